using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class ExpiryReminderConfiguration : IEntityTypeConfiguration<ExpiryReminder>
{
    public void Configure(EntityTypeBuilder<ExpiryReminder> reminder)
    {
        reminder.Property(r => r.Kind).HasMaxLength(8);
        // Raised once per cluster, kind and expiry: two passes of the expiry service (or two replicas) cannot raise it twice.
        reminder.HasIndex(r => new { r.ClusterId, r.Kind, r.ExpiresAt }).IsUnique();
        reminder.HasOne(r => r.Cluster).WithMany().HasForeignKey(r => r.ClusterId).OnDelete(DeleteBehavior.Cascade);
    }
}
