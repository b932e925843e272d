using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class OperationConfiguration : IEntityTypeConfiguration<Operation>
{
    public void Configure(EntityTypeBuilder<Operation> operation)
    {
        operation.Property(o => o.LeaseOwner).HasMaxLength(128);
        operation.Property(o => o.Zone).HasMaxLength(32);
        operation.Property(o => o.SnapshotId).HasMaxLength(128);
        operation.Property(o => o.Spec).HasJsonConversion("SpecJson", PortalJson.Options);
        operation.Property(o => o.FailedResources).HasJsonConversion("FailedResourcesJson");
        // At most one operation holds a cluster at a time; the database enforces it, not the code.
        operation.HasIndex(o => o.ClusterId).IsUnique()
            .HasFilter("\"State\" IN ('Queued', 'Running', 'Cancelling')")
            .HasDatabaseName("IX_Operations_OneActivePerCluster");
        operation.HasIndex(o => new { o.State, o.CreatedAt });
        operation.HasIndex(o => new { o.ClusterId, o.CreatedAt });
        // A preview is applied at most once, whoever races to apply it.
        operation.HasIndex(o => o.PreviewOfId).IsUnique().HasFilter("\"PreviewOfId\" IS NOT NULL");
    }
}
