using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> record)
    {
        record.ToTable("IdempotencyKeys");
        record.Property(r => r.Caller).HasMaxLength(256);
        record.Property(r => r.Key).HasMaxLength(255);
        record.Property(r => r.RequestHash).HasMaxLength(64);
        record.Property(r => r.Location).HasMaxLength(2048);
        record.Property(r => r.ContentType).HasMaxLength(256);
        // Keys are scoped per caller: two callers may pick the same key without seeing each other's responses.
        record.HasIndex(r => new { r.Caller, r.Key }).IsUnique();
        record.HasIndex(r => r.CreatedAt);
    }
}
