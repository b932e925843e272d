using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>A test class with its own portal; the API client starts it on first use, so a test can change settings first.</summary>
public abstract class PortalApiTest : IAsyncDisposable
{
    private HttpClient? _client;

    protected PortalAppFactory App { get; } = new();

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
