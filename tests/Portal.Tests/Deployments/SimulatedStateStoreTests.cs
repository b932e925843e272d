using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Provisioning.Simulation;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>The simulated cloud's state in the portal's database.</summary>
public sealed class SimulatedStateStoreTests : IAsyncDisposable
{
    private readonly PortalAppFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Add_SameResourceTwice_SecondAnswersFalseKeepsTheFirstAndLogsNoError()
    {
        var store = _app.Services.GetRequiredService<ISimulatedStateStore>();
        var first = new SimulatedResource("vpc", "aws:ec2/vpc:Vpc", "vpc-first", new JsonObject { ["id"] = "vpc-first" }, DateTimeOffset.UtcNow);

        Assert.True(await store.AddAsync("stack", first, Ct));
        Assert.False(await store.AddAsync("stack", first with { Id = "vpc-second" }, Ct));

        var stored = Assert.Single(await store.LoadAsync("stack", Ct));
        Assert.Equal("vpc-first", stored.Id);
        Assert.Equal(first.CreatedAt.ToUnixTimeMilliseconds(), stored.CreatedAt.ToUnixTimeMilliseconds());
        // An interrupted attempt's resource is an expected answer, not a failure worth an error line.
        Assert.DoesNotContain(_app.Logs.Lines, line => line.StartsWith($"{LogLevel.Error} ", StringComparison.Ordinal));
    }
}
