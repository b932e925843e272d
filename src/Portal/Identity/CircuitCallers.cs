using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// The caller behind a Blazor circuit. The circuit's claims are those of sign-in, so teams and role come from the
/// database; a page open for hours asks <see cref="NowAsync"/> again when it reloads. Commands check again when they act.
/// </summary>
public sealed class CircuitCallers(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>The caller signed in as <paramref name="principal"/>, as the database has them now; null when nobody is.</summary>
    public async Task<Caller?> ResolveAsync(ClaimsPrincipal principal, ClientInfo client, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Caller.FromAsync(principal, client, db, cancellationToken) is { } caller
            ? await caller.NowAsync(db, cancellationToken)
            : null;
    }

    /// <summary><paramref name="caller"/> with the teams and role the database gives them at this moment.</summary>
    public async Task<Caller?> NowAsync(Caller? caller, CancellationToken cancellationToken = default)
    {
        if (caller is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await caller.NowAsync(db, cancellationToken);
    }
}
