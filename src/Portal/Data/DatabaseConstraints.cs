using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

internal static class DatabaseConstraints
{
    /// <summary>
    /// The database refused a second row for a unique key or index: another request got there first. SQLite reports
    /// it as SQLITE_CONSTRAINT (19), PostgreSQL as unique_violation (23505); the callers' writes have no other
    /// constraint that could fail.
    /// </summary>
    public static bool IsUniqueViolation(this DbUpdateException ex) =>
        ex.InnerException is SqliteException { SqliteErrorCode: 19 } or Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
