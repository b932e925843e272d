using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Auditing;
using Portal.Identity;

namespace Portal.Data;

/// <summary>
/// The portal's one database: clusters and their operations, identity, and the audit trail. Services always use this type;
/// on PostgreSQL it is a <see cref="PostgreSqlPortalDbContext"/>, which only carries that provider's migrations.
/// </summary>
public class PortalDbContext : IdentityDbContext<PortalUser>, IDataProtectionKeyContext
{
    public PortalDbContext(DbContextOptions<PortalDbContext> options) : base(options)
    {
    }

    protected PortalDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Cluster> Clusters => Set<Cluster>();
    public DbSet<Operation> Operations => Set<Operation>();
    public DbSet<DeploymentEvent> DeploymentEvents => Set<DeploymentEvent>();
    public DbSet<ClusterHealthCheck> ClusterHealthChecks => Set<ClusterHealthCheck>();
    public DbSet<SimulatedResourceRow> SimulatedResources => Set<SimulatedResourceRow>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMembership> TeamMemberships => Set<TeamMembership>();
    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<ExpiryReminder> ExpiryReminders => Set<ExpiryReminder>();

    /// <summary>The Data Protection key ring on PostgreSQL, shared by the replicas (empty on SQLite: the keys are files there).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset; all times are UTC, so their binary form orders correctly.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(16);
    }
}
