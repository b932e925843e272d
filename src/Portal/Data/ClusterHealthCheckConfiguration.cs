using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class ClusterHealthCheckConfiguration : IEntityTypeConfiguration<ClusterHealthCheck>
{
    public void Configure(EntityTypeBuilder<ClusterHealthCheck> check)
    {
        check.Property(c => c.Trigger).HasMaxLength(16);
        check.Property(c => c.Report).HasJsonConversion("ReportJson", PortalJson.Options);
        // The history is read newest first, per cluster.
        check.HasIndex(c => new { c.ClusterId, c.CheckedAt });
        check.HasOne<Cluster>().WithMany().HasForeignKey(c => c.ClusterId).OnDelete(DeleteBehavior.Cascade);
    }
}
