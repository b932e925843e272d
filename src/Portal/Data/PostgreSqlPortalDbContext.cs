using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Portal.Data;

/// <summary>
/// The same model as <see cref="PortalDbContext"/>, for PostgreSQL: EF Core's "one context type per provider" way to keep a
/// second migrations set (Data/Migrations/PostgreSQL) in the same assembly. Services never see this type: they ask for a
/// <see cref="PortalDbContext"/>, and DataExtensions hands them this one when <c>Database:Provider</c> is PostgreSQL.
/// </summary>
public sealed class PostgreSqlPortalDbContext(DbContextOptions<PostgreSqlPortalDbContext> options) : PortalDbContext(options);

/// <summary>
/// Lets <c>dotnet ef migrations add … --context PostgreSqlPortalDbContext</c> build the model without a server
/// (scripts/add-migration.sh): generating a migration compares models, it never connects.
/// </summary>
internal sealed class PostgreSqlPortalDbContextDesignFactory : IDesignTimeDbContextFactory<PostgreSqlPortalDbContext>
{
    public PostgreSqlPortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlPortalDbContext>()
            .UseNpgsql("Host=localhost;Database=portal_design_time")
            .Options);
}

/// <summary>
/// The SQLite set's design-time context. Without it, <c>dotnet ef</c> would build a <see cref="PortalDbContext"/> with the
/// PostgreSQL factory above (the factory interface is covariant, and that context is a PortalDbContext too).
/// </summary>
internal sealed class SqlitePortalDbContextDesignFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PortalDbContext>()
            .UseSqlite("Data Source=portal-design-time.db")
            .Options);
}
