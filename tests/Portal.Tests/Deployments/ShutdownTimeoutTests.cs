using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TestSupport.Portal;

namespace Portal.Tests.Deployments;

/// <summary>The host waits as long as configured for running operations to reach a safe point when it stops.</summary>
public sealed class ShutdownTimeoutTests
{
    [Fact]
    public async Task ShutdownTimeout_FromDeploymentsSection_IsTheHostsShutdownTimeout()
    {
        await using var app = new PortalAppFactory();
        app.Settings["Deployments:ShutdownTimeout"] = "00:00:45";

        var host = app.Services.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(45), host.ShutdownTimeout);
    }
}
