using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>A test class with its own portal; the API client starts it on first use, so a test can change settings first.</summary>
/// <param name="provider">A database the subject needs; by default the run's (SQLite, or PostgreSQL with <c>PORTAL_TEST_PROVIDER</c>).</param>
public abstract class PortalApiTest(Portal.Data.DatabaseProvider? provider = null) : IAsyncDisposable
{
    private HttpClient? _client;

    protected PortalAppFactory App { get; } = new(provider: provider);

    /// <summary>The API as the bootstrap admin, with the default team in place.</summary>
    protected HttpClient Http => _client ??= App.CreateApiClient();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
