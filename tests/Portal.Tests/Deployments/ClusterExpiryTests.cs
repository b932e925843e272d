using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Clusters;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

public sealed class ClusterExpiryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClusterExpiry_TimeToLivePassed_DestroysTheClusterAsTheSystem()
    {
        await using var app = new PortalAppFactory();
        using var http = app.CreateApiClient();
        foreach (var (name, ttl) in new[] { ("short-lived", (int?)1), ("still-fresh", 48), ("forever", null) })
            await http.WaitForOperationAsync((string)(await http.CreateClusterAsync(new { name, timeToLiveHours = ttl }))["operation"]!["id"]!);
        await using (var db = app.CreateDbContext())
            await db.Clusters.ExecuteUpdateAsync(s => s.SetProperty(c => c.CreatedAt, DateTimeOffset.UtcNow.AddHours(-2)), Ct);

        var expiry = app.Services.GetServices<IHostedService>().OfType<ClusterExpiry>().Single();
        await expiry.DestroyExpiredAsync(Ct);

        var operations = (await http.GetJsonAsync("/api/v1/clusters/short-lived/operations"))["items"]!.AsArray();
        Assert.Equal("destroy", (string)operations[0]!["kind"]!);
        await http.WaitForOperationAsync((string)operations[0]!["id"]!);
        Assert.Equal("destroyed", (string)(await http.GetJsonAsync("/api/v1/clusters/short-lived"))["status"]!);
        Assert.Equal("ready", (string)(await http.GetJsonAsync("/api/v1/clusters/still-fresh"))["status"]!);
        Assert.Equal("ready", (string)(await http.GetJsonAsync("/api/v1/clusters/forever"))["status"]!);
        var audit = (await http.GetJsonAsync("/api/v1/audit?action=cluster.destroy"))["items"]!.AsArray();
        var entry = Assert.Single(audit);
        Assert.Equal("system", (string)entry!["actorType"]!);
        Assert.Equal("short-lived", (string)entry["targetId"]!);
    }
}
