using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Data;

namespace Portal.Identity;

public static class IdentityExtensions
{
    private const string PortalScheme = "Portal";

    public static IHostApplicationBuilder AddPortalIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IdentitySettings>().Bind(builder.Configuration.GetSection("Identity")).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection("Identity").Get<IdentitySettings>() ?? new();
        services.AddOptions<OidcSettings>().Bind(builder.Configuration.GetSection(OidcSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcSettings>, OidcSettingsValidator>();
        services.AddScoped<OidcAccounts>();
        var oidc = builder.Configuration.GetSection(OidcSettings.Section).Get<OidcSettings>() ?? new();

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.MaxFailedAccessAttempts = settings.MaxFailedSignIns;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(settings.LockoutMinutes);
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        var authentication = services.AddAuthentication(options =>
            {
                options.DefaultScheme = PortalScheme;
                options.DefaultChallengeScheme = PortalScheme;
            })
            // A bearer header means a token; anything else is the browser's cookie.
            .AddPolicyScheme(PortalScheme, "Cookie or personal access token", options => options.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? TokenAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        authentication.AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(options =>
        {
            options.LoginPath = "/account/login";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "portal.auth";
            // Lax, not Strict: the redirect back from an OpenID Connect provider must arrive signed in. Cross-site posts still carry no cookie.
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The API answers 401/403 problem+json; only pages redirect to the sign-in page.
            options.Events.OnRedirectToLogin = context => IsApi(context.Request)
                ? AuthProblems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized)
                : Redirect(context);
            options.Events.OnRedirectToAccessDenied = context => IsApi(context.Request)
                ? AuthProblems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden)
                : Redirect(context);
            // Signing in on the sign-in page, the cookie handler itself redirects to its ?ReturnUrl=: through the page's own check.
            options.Events.OnRedirectToReturnUrl = context =>
            {
                context.Response.Redirect(OidcSignIn.LocalUrl(context.RedirectUri));
                return Task.CompletedTask;
            };
        }));
        if (oidc.Enabled) authentication.AddOpenIdConnect(OidcSignIn.Scheme, oidc.DisplayName, options => OidcSignIn.Configure(options, oidc));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.ClustersRead, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c, Scopes.ClustersRead)))
            .AddPolicy(Policies.ClustersWrite, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c, Scopes.ClustersWrite)))
            .AddPolicy(Policies.TokensWrite, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c, Scopes.TokensWrite)))
            .AddPolicy(Policies.AuditRead, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasAdminScope(c, Scopes.AuditRead)))
            .AddPolicy(Policies.Admin, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => HasAdminScope(c, Scopes.Admin)));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditedAuthorizationResultHandler>();
        services.AddSingleton<DenialAudit>().AddHostedService(provider => provider.GetRequiredService<DenialAudit>());
        services.AddSingleton<SignInLockouts>().AddScoped<PasswordSignIn>();
        services.AddCascadingAuthenticationState();
        services.AddHostedService<IdentityBootstrapper>();
        services.AddSingleton<SetupCode>();
        services.AddSingleton<TeamAdministration>();
        services.AddSingleton<TokenAdministration>();
        services.AddSingleton<TokenPrincipalCache>();
        services.AddSingleton<CircuitCallers>().AddScoped<FirstAdminSetup>();
        return builder;
    }

    /// <summary>
    /// People signed in with a cookie have every scope; a token has only those it was given.
    /// Writing implies reading: a token that may change a cluster may also look at it.
    /// </summary>
    private static bool HasScope(AuthorizationHandlerContext context, string scope) =>
        !context.User.HasClaim(c => c.Type == PortalClaims.TokenId)
        || context.User.HasClaim(PortalClaims.Scope, scope)
        || (scope == Scopes.ClustersRead && context.User.HasClaim(PortalClaims.Scope, Scopes.ClustersWrite));

    /// <summary>
    /// Admin-only scopes: a person needs the admin role; a token needs the scope itself, which it carries only while
    /// its owner is an admin (<see cref="TokenAuthenticationHandler"/>). Nothing admin rides on clusters:write.
    /// </summary>
    private static bool HasAdminScope(AuthorizationHandlerContext context, string scope) =>
        context.User.HasClaim(c => c.Type == PortalClaims.TokenId)
            ? context.User.HasClaim(PortalClaims.Scope, scope)
            : context.User.IsInRole(PortalClaims.AdminRole);

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    private static Task Redirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
