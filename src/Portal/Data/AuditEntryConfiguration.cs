using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.ToTable("AuditEntries");
        // A chain cannot fork: no two entries may follow the same one.
        entry.HasIndex(e => e.PreviousHash).IsUnique();
        entry.HasIndex(e => e.Timestamp);
        entry.HasIndex(e => new { e.Action, e.Timestamp });
        entry.HasIndex(e => new { e.Team, e.Timestamp });
        entry.Property(e => e.ActorType).HasMaxLength(16);
        entry.Property(e => e.ActorId).HasMaxLength(64);
        entry.Property(e => e.ActorName).HasMaxLength(256);
        entry.Property(e => e.ActorIp).HasMaxLength(64);
        entry.Property(e => e.UserAgent).HasMaxLength(512);
        entry.Property(e => e.Team).HasMaxLength(64);
        entry.Property(e => e.Action).HasMaxLength(64);
        entry.Property(e => e.TargetType).HasMaxLength(32);
        entry.Property(e => e.TargetId).HasMaxLength(128);
        entry.Property(e => e.Outcome).HasMaxLength(16);
        entry.Property(e => e.PreviousHash).HasMaxLength(64);
        entry.Property(e => e.Hash).HasMaxLength(64);
    }
}
