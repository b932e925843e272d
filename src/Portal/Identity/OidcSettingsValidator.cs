using Microsoft.Extensions.Options;

namespace Portal.Identity;

/// <summary>
/// Stops startup on a single sign-on setting the OpenID Connect handler would only reject at the
/// first request, and then at every request (health included) with a 500.
/// </summary>
internal sealed class OidcSettingsValidator : IValidateOptions<OidcSettings>
{
    private const string Key = OidcSettings.Section;

    public ValidateOptionsResult Validate(string? name, OidcSettings options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static IEnumerable<string> Problems(OidcSettings options)
    {
        if (!options.Enabled)
        {
            if (!string.IsNullOrWhiteSpace(options.ClientId))
                yield return $"{Key}:ClientId is set but {Key}:Authority is not: set both to turn single sign-on on, or neither.";
            yield break;
        }
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            yield return $"{Key}:Authority must be an absolute https URL of the identity provider (its issuer), e.g. https://login.example.com/realms/portal; it is '{options.Authority}'.";
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
            yield return $"{Key}:Authority '{options.Authority}' uses http while {Key}:RequireHttpsMetadata is true: use the provider's https address, or set {Key}:RequireHttpsMetadata to false for a local test provider.";
        if (string.IsNullOrWhiteSpace(options.ClientId))
            yield return $"{Key}:ClientId is required when {Key}:Authority is set: the client id the identity provider gave the portal.";
        if (string.IsNullOrWhiteSpace(options.TeamsClaim))
            yield return $"{Key}:TeamsClaim must name a claim, e.g. groups.";
        if (string.IsNullOrWhiteSpace(options.DisplayName) || options.DisplayName.Length > 64)
            yield return $"{Key}:DisplayName must have 1 to 64 characters; it is shown as \"Sign in with …\".";
        if (!string.IsNullOrWhiteSpace(options.AdminTeam) && OidcGroups.ToTeam(options.AdminTeam).Refusal is { } refusal)
            yield return $"{Key}:AdminTeam '{options.AdminTeam}' maps to no team: {refusal}.";
    }
}
