using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Clusters;
using Portal.Data;

namespace Portal.Identity;

/// <param name="ParentTokenId">The token that created this one, if a token did; revoking it revokes this one too.</param>
public sealed record TokenView(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, Guid? ParentTokenId)
{
    public static TokenView From(PersonalAccessToken t) =>
        new(t.Id, t.Name, t.Prefix, t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt, t.ParentTokenId);
}

/// <summary>The token itself appears in this answer and nowhere else, ever.</summary>
public sealed record CreatedTokenView(string Token, TokenView Details);

/// <param name="ExpiresAt">Required when signed in; with a token, no later than that token's expiry, which is the default.</param>
public sealed record CreateTokenRequest(string? Name, List<string>? Scopes, DateTimeOffset? ExpiresAt = null);

/// <summary>A person's own personal access tokens: create (shown once), list, revoke.</summary>
public sealed class TokenAdministration(
    IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, TokenPrincipalCache cache, IOptions<IdentitySettings> settings, TimeProvider time)
{
    public async Task<IReadOnlyList<TokenView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.PersonalAccessTokens.AsNoTracking().Where(t => t.UserId == caller.UserId).ToListAsync(cancellationToken);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(TokenView.From).ToList();
    }

    /// <summary>One of the caller's own tokens; another person's is not found.</summary>
    public async Task<TokenView?> FindAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.PersonalAccessTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.UserId == caller.UserId, cancellationToken);
        return token is null ? null : TokenView.From(token);
    }

    public async Task<CommandResult<CreatedTokenView>> CreateAsync(Caller caller, CreateTokenRequest request, CancellationToken cancellationToken)
    {
        if (!caller.Has(Scopes.TokensWrite)) return CommandResult<CreatedTokenView>.Forbidden(NeedsTokensWrite);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Inside the audit scope, which serialises token changes: a parent revoked meanwhile cannot get a child.
        await using var scope = await audit.BeginAsync(db, cancellationToken);
        var parent = caller.TokenId is { } parentId
            ? await db.PersonalAccessTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == parentId && t.RevokedAt == null && t.ExpiresAt > now, cancellationToken)
            : null;
        if (caller.TokenId is not null && parent is null)
            return CommandResult<CreatedTokenView>.Forbidden("The token making this request has been revoked or has expired.");

        var maxDays = settings.Value.MaxTokenLifetimeDays;
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? "";
        if (NameRules.HasUnsafeCharacters(name)) errors["name"] = [NameRules.UnsafeMessage("token name")];
        else if (name.Length is 0 or > NameRules.MaxTokenName) errors["name"] = [$"Give the token a name of 1 to {NameRules.MaxTokenName} characters, e.g. 'ci-pipeline'."];
        var scopes = request.Scopes ?? [];
        if (scopes.Count == 0 || scopes.Any(s => !Scopes.All.Contains(s)))
            errors["scopes"] = [$"Choose one or more of: {string.Join(", ", Scopes.All)}."];
        else if (scopes.FirstOrDefault(s => !caller.Has(s)) is { } excess)
            errors["scopes"] = [parent is null
                ? $"You cannot grant '{excess}': you do not have it yourself."
                : $"You cannot grant '{excess}': the token making this request does not have it."];
        // A token's child expires with it by default, and never later: revoking or expiring the parent must end the child too.
        var expiresAt = request.ExpiresAt ?? parent?.ExpiresAt;
        if (expiresAt is null) errors["expiresAt"] = [$"An expiry is required, at most {maxDays} days ahead."];
        else if (expiresAt <= now || expiresAt > now.AddDays(maxDays)) errors["expiresAt"] = [$"The expiry must be in the future and at most {maxDays} days ahead."];
        else if (parent is not null && expiresAt > parent.ExpiresAt)
            errors["expiresAt"] = [$"The expiry must be no later than {parent.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z, when the token that creates it expires; leave it out to expire together."];
        if (errors.Count > 0) return CommandResult<CreatedTokenView>.Invalid(errors);

        var value = AccessTokens.NewToken();
        var token = AccessTokens.Create(caller.UserId, name, scopes, now, expiresAt!.Value.ToUniversalTime(), value, parent?.Id);
        db.PersonalAccessTokens.Add(token);
        scope.Add(caller.Actor, new AuditRecord("token.create", "token", token.Id.ToString(),
            Details: new { name, token.Prefix, scopes = token.Scopes, token.ExpiresAt, parent = token.ParentTokenId }));
        await scope.CommitAsync(cancellationToken);
        return CommandResult<CreatedTokenView>.Ok(new CreatedTokenView(value, TokenView.From(token)));
    }

    /// <summary>Revokes the token and every token created with it, directly or further down. A token may revoke only itself and those.</summary>
    public async Task<CommandResult<TokenView>> RevokeAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        if (!caller.Has(Scopes.TokensWrite)) return CommandResult<TokenView>.Forbidden(NeedsTokensWrite);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var scope = await audit.BeginAsync(db, cancellationToken);
        var tokens = await db.PersonalAccessTokens.Where(t => t.UserId == caller.UserId).ToListAsync(cancellationToken);
        if (tokens.SingleOrDefault(t => t.Id == id) is not { } token) return CommandResult<TokenView>.NotFound($"You have no token {id}.");
        if (caller.TokenId is { } self && !AncestryOf(token, tokens).Any(t => t.Id == self))
            return CommandResult<TokenView>.Forbidden("A token may revoke only itself and the tokens created with it; sign in to revoke others.");

        var now = time.GetUtcNow();
        var revoked = DescendantsOf(token, tokens).Prepend(token).Where(t => t.RevokedAt is null).ToList();
        foreach (var each in revoked)
        {
            each.RevokedAt = now;
            scope.Add(caller.Actor, new AuditRecord("token.revoke", "token", each.Id.ToString(),
                Details: each == token ? new { each.Name, each.Prefix } : new { each.Name, each.Prefix, revokedWith = token.Id }));
        }
        if (revoked.Count > 0)
        {
            await scope.CommitAsync(cancellationToken);
            // After the commit, so that no request re-reads and caches the token as it was before.
            cache.ForgetTokens(revoked.Select(t => t.Hash));
        }
        return CommandResult<TokenView>.Ok(TokenView.From(token));
    }

    private static readonly string NeedsTokensWrite = $"Creating or revoking tokens with a token needs the {Scopes.TokensWrite} scope.";

    /// <summary>The token, its parent, its parent's parent, and so on.</summary>
    private static IEnumerable<PersonalAccessToken> AncestryOf(PersonalAccessToken token, IReadOnlyList<PersonalAccessToken> all)
    {
        for (PersonalAccessToken? t = token; t is not null; t = all.FirstOrDefault(p => p.Id == t.ParentTokenId))
            yield return t;
    }

    private static IEnumerable<PersonalAccessToken> DescendantsOf(PersonalAccessToken token, IReadOnlyList<PersonalAccessToken> all) =>
        all.Where(t => t.ParentTokenId == token.Id).SelectMany(child => DescendantsOf(child, all).Prepend(child));
}
