using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Identity;

public sealed record TokenView(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static TokenView From(PersonalAccessToken t) =>
        new(t.Id, t.Name, t.Prefix, t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>The token itself appears in this answer and nowhere else, ever.</summary>
public sealed record CreatedTokenView(string Token, TokenView Details);

public sealed record CreateTokenRequest(string? Name, List<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>A person's own personal access tokens: create (shown once), list, revoke.</summary>
public sealed class TokenAdministration(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, IOptions<IdentitySettings> settings, TimeProvider time)
{
    public async Task<IReadOnlyList<TokenView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.PersonalAccessTokens.AsNoTracking().Where(t => t.UserId == caller.UserId).ToListAsync(cancellationToken);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(TokenView.From).ToList();
    }

    public async Task<CommandResult<CreatedTokenView>> CreateAsync(Caller caller, CreateTokenRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var maxDays = settings.Value.MaxTokenLifetimeDays;
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? "";
        if (NameRules.HasUnsafeCharacters(name)) errors["name"] = [NameRules.UnsafeMessage("token name")];
        else if (name.Length is 0 or > NameRules.MaxTokenName) errors["name"] = [$"Give the token a name of 1 to {NameRules.MaxTokenName} characters, e.g. 'ci-pipeline'."];
        var scopes = request.Scopes ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !Scopes.All.Contains(s)))
            errors["scopes"] = [$"Choose one or more of: {string.Join(", ", Scopes.All)}."];
        else if (scopes.FirstOrDefault(s => !caller.Has(s)) is { } excess)
            errors["scopes"] = [$"You cannot grant '{excess}': you do not have it yourself."];
        if (request.ExpiresAt is not { } expiresAt) errors["expiresAt"] = [$"An expiry is required, at most {maxDays} days ahead."];
        else if (expiresAt <= now || expiresAt > now.AddDays(maxDays)) errors["expiresAt"] = [$"The expiry must be in the future and at most {maxDays} days ahead."];
        if (errors.Count > 0) return CommandResult<CreatedTokenView>.Invalid(errors);

        var value = AccessTokens.NewToken();
        var token = AccessTokens.Create(caller.UserId, name, scopes, now, request.ExpiresAt!.Value.ToUniversalTime(), value);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var scope = await audit.BeginAsync(db, cancellationToken);
        db.PersonalAccessTokens.Add(token);
        scope.Add(caller.Actor, new AuditRecord("token.create", "token", token.Id.ToString(), Details: new { name, token.Prefix, scopes = token.Scopes, token.ExpiresAt }));
        await scope.CommitAsync(cancellationToken);
        return CommandResult<CreatedTokenView>.Ok(new CreatedTokenView(value, TokenView.From(token)));
    }

    public async Task<CommandResult<TokenView>> RevokeAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.PersonalAccessTokens.SingleOrDefaultAsync(t => t.Id == id && t.UserId == caller.UserId, cancellationToken);
        if (token is null) return CommandResult<TokenView>.NotFound($"You have no token {id}.");
        if (token.RevokedAt is null)
        {
            await using var scope = await audit.BeginAsync(db, cancellationToken);
            token.RevokedAt = time.GetUtcNow();
            scope.Add(caller.Actor, new AuditRecord("token.revoke", "token", token.Id.ToString(), Details: new { token.Name, token.Prefix }));
            await scope.CommitAsync(cancellationToken);
        }
        return CommandResult<TokenView>.Ok(TokenView.From(token));
    }
}
