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
        cluster.Property(c => c.Spec).HasJsonConversion("SpecJson", PortalJson.Options);
        cluster.Property(c => c.Simulation).HasJsonConversion("SimulationJson", PortalJson.Options);
        // Written with the default options since the first migration; names of checks need no dialect.
        cluster.Property(c => c.FailingChecks).HasJsonConversion("FailingChecksJson");
        // Create checks a new range against every live one; the range has its own column, kept in step with the spec.
        cluster.Property(c => c.VpcCidr).HasMaxLength(18);
        cluster.HasIndex(c => c.VpcCidr);
        // A destroyed cluster gives its name back.
        cluster.HasIndex(c => c.Name).IsUnique().HasFilter("\"Status\" <> 'Destroyed'");
        cluster.HasIndex(c => new { c.Team, c.CreatedAt });
        cluster.Property(c => c.ZoneOutage).HasMaxLength(32);
        cluster.HasIndex(c => c.NextHealthCheckAt);
        cluster.HasIndex(c => c.ExpiresAt);
        cluster.HasMany(c => c.Operations).WithOne(o => o.Cluster).HasForeignKey(o => o.ClusterId);
    }
}
