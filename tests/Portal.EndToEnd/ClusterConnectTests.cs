using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.Clusters;
using TestSupport.Portal;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEnd;

/// <summary>
/// The cluster page's Connect card in a real browser: the team's owner downloads the CA and reveals the
/// management token behind an audited confirmation; a plain member gets no button, another team no cluster.
/// </summary>
public sealed class ClusterConnectTests(BrowserFixture browser)
{
    private const int TestTimeout = 90_000;
    private const string Cluster = "payments", Password = "Connect-password-2026";
    private const string Alice = "alice@portal.test", Carol = "carol@portal.test", Bob = "bob@portal.test";
    private static string RevealPath => $"/api/v1/clusters/{Cluster}/secrets/management-token";

    [Fact(Timeout = TestTimeout)]
    public async Task RevealManagementToken_TeamOwnerConfirms_SeesTheStoredTokenAndTheRevealIsAudited()
    {
        await using var session = await StartWithReadyClusterAsync(TestContext.Current.CancellationToken);
        var page = session.Page;
        var stored = await session.Portal.SecretsOfAsync(Cluster);

        await OpenClusterAsync(session, Alice);
        // A landmark named by its heading: assistive technology can jump to it.
        var connect = page.GetByRole(AriaRole.Region, new() { Name = "Connect" });
        // The nodes are private: the way in is a Session Manager tunnel to one of this cluster's servers.
        var servers = (await session.Api.GetJsonAsync($"/api/v1/clusters/{Cluster}"))["outputs"]!["servers"]!.AsObject()
            .SelectMany(dc => dc.Value!.AsArray()).Select(s => (string)s!["instanceId"]!).ToList();
        var tunnel = await connect.GetByTestId("connect-port-forward").Locator("code").TextContentAsync();
        Assert.Contains(servers, id => tunnel!.StartsWith($"aws ssm start-session --target {id} --document-name AWS-StartPortForwardingSession --parameters portNumber=8501,localPortNumber=8501", StringComparison.Ordinal));
        await Expect(connect.GetByTestId("connect-ui-url")).ToContainTextAsync("https://localhost:8501/ui/");
        await Expect(connect.GetByTestId("connect-http-addr")).ToContainTextAsync("export CONSUL_HTTP_ADDR=https://localhost:8501");
        await Expect(connect.GetByTestId("connect-cacert")).ToContainTextAsync($"export CONSUL_CACERT=consul-{Cluster}-ca.pem");
        await Expect(connect.GetByRole(AriaRole.Button, new() { Name = "Copy the port-forward command" })).ToBeVisibleAsync();
        await Expect(connect.GetByTestId("ssm-command")).ToContainTextAsync("aws ssm start-session --target i-");
        var download = await page.RunAndWaitForDownloadAsync(() => connect.GetByTestId("download-ca").ClickAsync());
        Assert.Equal($"consul-{Cluster}-ca.pem", download.SuggestedFilename);
        using (var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(await download.PathAsync(), TestContext.Current.CancellationToken)))
            Assert.Contains($"CN=Consul CA {Cluster}", ca.Subject);

        await connect.GetByTestId("reveal-token").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("root credential");
        await Expect(dialog).ToContainTextAsync("audited");
        await session.ScreenshotAsync("confirm-reveal");
        await dialog.GetByTestId("confirm-reveal").ClickAsync();

        await Expect(connect.GetByRole(AriaRole.Textbox, new() { Name = "Management token" })).ToHaveValueAsync(stored.ManagementToken);
        await Expect(page.GetByTestId("root-credential-note")).ToContainTextAsync("root credential");
        await Expect(page.GetByTestId("reveal-token")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("token-revealed");
        var audited = (await session.Api.GetJsonAsync($"/api/v1/audit?action={ClusterSecretsCommands.RevealAction}&target={Cluster}"))["items"]!.AsArray();
        var entry = Assert.Single(audited)!;
        Assert.Equal(Alice, (string)entry["actorName"]!);
        Assert.Equal("success", (string)entry["outcome"]!);
        Assert.DoesNotContain(stored.ManagementToken, entry.ToJsonString());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RevealManagementToken_PlainMemberOrAnotherTeam_NoButtonOrNoClusterAndTheApiRefuses()
    {
        await using var session = await StartWithReadyClusterAsync(TestContext.Current.CancellationToken);
        var page = session.Page;

        // A plain member of the team sees the cluster and may download its CA, but is offered no reveal, and the API refuses one.
        await OpenClusterAsync(session, Carol);
        await Expect(page.GetByTestId("download-ca")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("reveal-token")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("member-no-reveal");
        var asMember = await session.PostAsBrowserAsync(RevealPath);
        Assert.Equal(403, asMember.Status);
        Assert.Equal("https://portal.example/problems/forbidden", (string)JsonNode.Parse(await asMember.TextAsync())!["type"]!);
        await session.SignOutAsync();

        // Another team's member finds no such cluster, on the page and through the API.
        await session.SignInAsync(Bob, Password);
        var direct = await page.GotoAsync($"/clusters/{Cluster}");
        Assert.Equal(404, direct!.Status);
        await Expect(page.GetByText("There is nothing at this address")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("reveal-token")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("other-team-404");
        Assert.Equal(404, (await session.PostAsBrowserAsync(RevealPath)).Status);
        Assert.Equal(404, (await page.APIRequest.GetAsync($"/api/v1/clusters/{Cluster}/ca.pem")).Status);
    }

    private static async Task OpenClusterAsync(PortalSession session, string email)
    {
        await session.SignInAsync(email, Password);
        await session.OpenAsync($"/clusters/{Cluster}");
        await Expect(session.Status).ToHaveTextAsync("ready");
    }

    /// <summary>A signed-out browser and a ready team-a cluster; Alice owns team-a, Carol is a plain member, Bob is in team-b.</summary>
    private async Task<PortalSession> StartWithReadyClusterAsync(CancellationToken cancellationToken)
    {
        var session = await PortalSession.StartSignedOutAsync(browser, cancellationToken, timeScale: 0);
        try
        {
            await session.Api.CreateMemberAsync(Alice, Password, "team-a", "owner");
            await session.Api.CreateMemberAsync(Carol, Password, "team-a");
            await session.Api.CreateMemberAsync(Bob, Password, "team-b");
            var created = await session.Api.CreateClusterAsync(new { name = Cluster, team = "team-a" });
            await session.Api.WaitForOperationAsync((string)created["operation"]!["id"]!);
            return session;
        }
        catch
        {
            await session.DisposeAsync(); // the caller never got it to dispose
            throw;
        }
    }
}
