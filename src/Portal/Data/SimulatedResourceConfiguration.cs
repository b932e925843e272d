using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class SimulatedResourceConfiguration : IEntityTypeConfiguration<SimulatedResourceRow>
{
    public void Configure(EntityTypeBuilder<SimulatedResourceRow> resource)
    {
        resource.ToTable("SimulatedResources");
        // The key makes a second create of the same resource fail instead of duplicating it.
        resource.HasKey(r => new { r.Stack, r.Name });
        resource.Property(r => r.Stack).HasMaxLength(64);
        resource.Property(r => r.Name).HasMaxLength(128);
    }
}
