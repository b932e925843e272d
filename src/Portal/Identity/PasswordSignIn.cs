using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auditing;
using Portal.Data;

namespace Portal.Identity;

public enum SignInOutcome { SignedIn, Refused, Throttled }

/// <param name="Message">What the sign-in page says: one text for an unknown account, a wrong password and a lockout alike.</param>
/// <param name="RetryAfter">When throttled: how long the address must wait.</param>
public sealed record PasswordSignInResult(SignInOutcome Outcome, string? Message = null, TimeSpan? RetryAfter = null);

/// <summary>
/// The sign-in form's password check. Attempts are limited per address (<c>RateLimiting:SignInPermitsPerMinute</c>),
/// before anything is looked up. Failures lock an account for the address they come from only
/// (<c>Identity:MaxFailedSignIns</c>, <c>Identity:LockoutMinutes</c>), so nobody can lock someone else out. An unknown
/// account, a wrong password and a lockout get the same answer after the same work (one password hash check each),
/// so neither the text nor the timing tells whether an account exists or is locked.
/// </summary>
public sealed class PasswordSignIn(
    SignInManager<PortalUser> signIn, AddressLimits limits, SignInLockouts lockouts, PortalDbContext db, AuditLog audit, IOptions<IdentitySettings> settings)
{
    /// <summary>Compared against when there is no real hash to check, so that every attempt costs one hash check; made once per process.</summary>
    private static string? _standInHash;

    public async Task<PasswordSignInResult> SignInAsync(string email, string password, HttpContext http)
    {
        var address = ClientAddress.Of(http);
        if (limits.SignIn(address) is { } wait)
            return new(SignInOutcome.Throttled, $"Too many sign-in attempts from your address. Try again in {RateLimitAnswer.Seconds(wait)} s.", wait);

        var users = signIn.UserManager;
        var user = await users.FindByEmailAsync(email);
        var locked = lockouts.IsLocked(address, email) || (user is not null && await users.IsLockedOutAsync(user));
        var passwordRight = await CheckPasswordAsync(users, user, password);
        var client = ClientInfo.From(http);
        var actor = new AuditActor(user is null ? "anonymous" : "user", user?.Id, email, null, client.Ip, client.UserAgent);
        if (user is not null && passwordRight && !locked && await signIn.CanSignInAsync(user))
        {
            lockouts.Forget(address, email);
            await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
            await audit.WriteAsync(db, actor, new AuditRecord("signin.success", "user", email, Details: new { method = "password" }));
            return new(SignInOutcome.SignedIn);
        }
        if (!locked) lockouts.Fail(address, email);
        var reason = locked ? "locked out" : "wrong email or password";
        await audit.WriteAsync(db, actor, new AuditRecord("signin.failure", "user", email, "failure", Details: new { method = "password", reason }));
        return new(SignInOutcome.Refused, $"The email or password is not right, or there were too many failed attempts from your address: "
            + $"after {settings.Value.MaxFailedSignIns}, wait {settings.Value.LockoutMinutes} minutes.");
    }

    /// <summary>One hash check whatever the account: its own hash, or the stand-in for an unknown account or one without a password.</summary>
    private static async Task<bool> CheckPasswordAsync(UserManager<PortalUser> users, PortalUser? user, string password)
    {
        if (user?.PasswordHash is not null) return await users.CheckPasswordAsync(user, password);
        var standIn = _standInHash ??= users.PasswordHasher.HashPassword(new PortalUser(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        users.PasswordHasher.VerifyHashedPassword(new PortalUser(), standIn, password);
        return false;
    }
}

/// <summary>
/// Failed password sign-ins per account and address, in memory: after <c>Identity:MaxFailedSignIns</c> the account is
/// locked for <c>Identity:LockoutMinutes</c>, for that address only. Memory is bounded by the per-address attempt limit;
/// a restart forgets lockouts, which an attacker cannot cause.
/// </summary>
public sealed class SignInLockouts(IOptions<IdentitySettings> settings, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _failures = new(new MemoryCacheOptions());

    private TimeSpan Lockout => TimeSpan.FromMinutes(settings.Value.LockoutMinutes);

    public bool IsLocked(string address, string email) =>
        _failures.TryGetValue(Key(address, email), out Failures? failures) && failures!.LockedUntil > time.GetUtcNow();

    public void Fail(string address, string email)
    {
        var failures = _failures.GetOrCreate(Key(address, email), entry =>
        {
            entry.SlidingExpiration = Lockout;
            return new Failures();
        })!;
        lock (failures)
        {
            if (++failures.Count < settings.Value.MaxFailedSignIns) return;
            failures.Count = 0;
            failures.LockedUntil = time.GetUtcNow() + Lockout;
        }
    }

    public void Forget(string address, string email) => _failures.Remove(Key(address, email));

    public void Dispose() => _failures.Dispose();

    private static string Key(string address, string email) => $"{address}\n{email.Trim().ToUpperInvariant()}";

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset LockedUntil;
    }
}
