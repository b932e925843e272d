using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// OpenID Connect as the enterprise option: people are created on first sign-in and their teams
/// and admin role follow the configured claim on every sign-in (see <see cref="OidcAccounts"/>).
/// </summary>
internal static class OidcSignIn
{
    public const string Scheme = "oidc";

    /// <summary>Values of the sign-in page's <c>error</c> parameter after a sign-in with the identity provider.</summary>
    public const string CancelledError = "cancelled", FailedError = "external", NoEmailError = "no-email", EmailTakenError = "email-taken";

    public static void Configure(OpenIdConnectOptions options, OidcSettings settings)
    {
        options.Authority = settings.Authority;
        options.ClientId = settings.ClientId;
        options.ClientSecret = settings.ClientSecret;
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        options.ResponseType = "code";
        options.SignInScheme = IdentityConstants.ExternalScheme;
        options.SaveTokens = false;
        options.MapInboundClaims = false;
        options.Scope.Add("email");
        options.Scope.Add("profile");
        // The spec lets a provider put email and groups in userinfo only; what the ID token has is kept too.
        options.GetClaimsFromUserInfoEndpoint = true;
        options.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
        options.ClaimActions.MapJsonKey(settings.TeamsClaim, settings.TeamsClaim);
        options.CallbackPath = "/account/oidc-callback";
        // Back to the sign-in page with a message, never a 500 with the provider's raw error.
        options.Events.OnAccessDenied = context => BackToSignIn(context, CancelledError, ReturnUrlOf(context.Properties), failure: null);
        options.Events.OnRemoteFailure = context => BackToSignIn(context, FailedError, ReturnUrlOf(context.Properties), context.Failure);
    }

    private static Task BackToSignIn(HandleRequestContext<RemoteAuthenticationOptions> context, string error, string? returnUrl, Exception? failure)
    {
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn));
        if (failure is null) logger.LogInformation("Sign-in with the identity provider was cancelled there");
        else logger.LogWarning(failure, "Sign-in with the identity provider failed: {Reason}", failure.Message);
        context.Response.Redirect(SignInPage(error, returnUrl));
        context.HandleResponse();
        return Task.CompletedTask;
    }

    /// <summary>The message the sign-in page shows for <paramref name="error"/>, or null when it is none of ours.</summary>
    public static string? FailureMessage(string? error, string displayName) => error switch
    {
        CancelledError => $"Sign-in with {displayName} was cancelled.",
        FailedError => $"Sign-in with {displayName} did not complete. Try again; if it keeps failing, tell a portal admin.",
        NoEmailError => $"{displayName} did not tell the portal your email address, which the portal needs. Ask a portal admin.",
        EmailTakenError => $"An account with your email address already exists in the portal and is not linked to {displayName}. Sign in with its password, or ask a portal admin.",
        _ => null,
    };

    public static RouteGroupBuilder MapOidcEndpoints(this RouteGroupBuilder account)
    {
        account.MapPost("/external", Results<ChallengeHttpResult, NotFound> (SignInManager<PortalUser> signIn, IOptions<OidcSettings> settings, [Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
        {
            if (!settings.Value.Enabled) return TypedResults.NotFound();
            var properties = signIn.ConfigureExternalAuthenticationProperties(Scheme, $"/account/external-callback?returnUrl={Uri.EscapeDataString(LocalUrl(returnUrl))}");
            return TypedResults.Challenge(properties, [Scheme]);
        });
        account.MapGet("/external-callback", CallbackAsync);
        return account;
    }

    private static async Task<RedirectHttpResult> CallbackAsync(
        HttpContext http, string? returnUrl, SignInManager<PortalUser> signIn, OidcAccounts accounts,
        PortalDbContext db, AuditLog audit, IOptions<OidcSettings> settings)
    {
        // The external cookie only carries the provider's answer here; it is dropped whatever happens next.
        var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme);
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        if (external.Principal is null || ExternalIdentity.From(external.Principal, settings.Value.TeamsClaim) is not { } identity)
            return TypedResults.Redirect(SignInPage(FailedError, returnUrl));

        var client = ClientInfo.From(http);
        var result = await accounts.SignInAsync(identity, client, http.RequestAborted);
        if (result.User is not { } user) return TypedResults.Redirect(SignInPage(result.Error!, returnUrl));
        await signIn.SignInAsync(user, isPersistent: false, Scheme);
        await audit.WriteAsync(db, new AuditActor("user", user.Id, user.Email, null, client.Ip, client.UserAgent), new AuditRecord("signin.success", "user", user.Email, Details: new { method = "oidc" }));
        return TypedResults.LocalRedirect(LocalUrl(returnUrl));
    }

    private static string SignInPage(string error, string? returnUrl) =>
        QueryHelpers.AddQueryString("/account/login", new Dictionary<string, string?> { ["error"] = error, ["ReturnUrl"] = LocalUrl(returnUrl) is var local and not "/" ? local : null });

    /// <summary>The page the person set out for, kept in the challenge's redirect to the callback.</summary>
    private static string? ReturnUrlOf(AuthenticationProperties? properties) =>
        properties?.RedirectUri is { } uri && uri.IndexOf('?') is >= 0 and var query
        && QueryHelpers.ParseQuery(uri[query..]).TryGetValue("returnUrl", out var value) ? value.ToString() : null;

    /// <summary>
    /// A return address that stays on this portal, else "/". Only visible ASCII: a Location header with anything
    /// else (é, a tab, U+202E) answers 500 or lands elsewhere than it reads. The portal's own links are percent-encoded.
    /// </summary>
    internal static string LocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && url.All(c => c is > ' ' and <= '~') ? url : "/";
}
