using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class ClusterConfiguration : IEntityTypeConfiguration<Cluster>
{
    public void Configure(EntityTypeBuilder<Cluster> cluster)
    {
        cluster.Property(c => c.Name).HasMaxLength(32);
        cluster.Property(c => c.Team).HasMaxLength(64);
        cluster.Property(c => c.Engine).HasMaxLength(16);
        // A destroyed cluster gives its name back.
        cluster.HasIndex(c => c.Name).IsUnique().HasFilter("\"Status\" <> 'Destroyed'");
        cluster.HasIndex(c => new { c.Team, c.CreatedAt });
        cluster.Property(c => c.ZoneOutage).HasMaxLength(32);
        cluster.HasIndex(c => c.NextHealthCheckAt);
        cluster.HasMany(c => c.Operations).WithOne(o => o.Cluster).HasForeignKey(o => o.ClusterId);
    }
}
