using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class DeploymentEventConfiguration : IEntityTypeConfiguration<DeploymentEvent>
{
    public void Configure(EntityTypeBuilder<DeploymentEvent> deploymentEvent)
    {
        deploymentEvent.HasIndex(e => new { e.OperationId, e.Sequence }).IsUnique();
        deploymentEvent.HasOne<Operation>().WithMany().HasForeignKey(e => e.OperationId);
        deploymentEvent.Property(e => e.Type).HasMaxLength(32);
        deploymentEvent.Property(e => e.Severity).HasMaxLength(16);
        deploymentEvent.Property(e => e.ResourceName).HasMaxLength(128);
        deploymentEvent.Property(e => e.ResourceType).HasMaxLength(128);
        deploymentEvent.Property(e => e.ResourceOp).HasMaxLength(32);
    }
}
