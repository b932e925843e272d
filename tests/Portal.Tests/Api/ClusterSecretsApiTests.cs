using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Clusters;
using Portal.Data;
using Portal.Identity;
using Provisioning.Security;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>
/// The cluster's CA certificate for whoever may see the cluster; its management token for the team's
/// owners and admins only, never cached, and every attempt in the audit trail without the value.
/// </summary>
public sealed class ClusterSecretsApiTests : PortalApiTest
{
    private const string Cluster = "vault", Password = "Secrets-password-2026";
    private const string OwnerEmail = "owner@portal.test", MemberEmail = "member@portal.test", OtherEmail = "other@portal.test";

    [Fact]
    public async Task RevealManagementToken_TeamOwner_Answers200WithTheStoredTokenUncachedAndAuditedWithoutIt()
    {
        var secrets = await ReadyClusterAsync();
        using var owner = await SignInAsync(OwnerEmail);

        var response = await RevealAsync(owner);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(Cluster, (string)body["cluster"]!);
        Assert.Equal(secrets.ManagementToken, (string)body["managementToken"]!);
        Assert.True(DateTimeOffset.UtcNow - (DateTimeOffset)body["revealedAt"]! < TimeSpan.FromMinutes(1));
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Contains("no-cache", response.Headers.Pragma.Select(p => p.Name));
        var entry = Assert.Single(await RevealEntriesAsync());
        Assert.Equal("success", (string)entry["outcome"]!);
        Assert.Equal(OwnerEmail, (string)entry["actorName"]!);
        Assert.Equal("team-a", (string)entry["team"]!);
        Assert.Contains(ClusterSecretsCommands.ManagementTokenSecret, (string)entry["details"]!);
        SecretScan.AssertAbsent(SecretScan.Named(secrets), [("the reveal's audit entry", entry.ToJsonString())]);
    }

    [Fact]
    public async Task RevealManagementToken_Admin_Answers200()
    {
        var secrets = await ReadyClusterAsync();

        var response = await RevealAsync(Http);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(secrets.ManagementToken, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["managementToken"]!);
    }

    [Fact]
    public async Task RevealManagementToken_PlainMember_Answers403ProblemAndRecordsNoReveal()
    {
        var secrets = await ReadyClusterAsync();
        using var member = await SignInAsync(MemberEmail);

        var response = await RevealAsync(member);

        var text = await AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("owners of team 'team-a'", text);
        Assert.DoesNotContain(secrets.ManagementToken, text);
        // The attempt is on record as refused; no entry says the token was revealed.
        var entry = Assert.Single(await RevealEntriesAsync());
        Assert.Equal("denied", (string)entry["outcome"]!);
        Assert.Equal(MemberEmail, (string)entry["actorName"]!);
    }

    [Fact]
    public async Task RevealManagementToken_AnotherTeam_Answers404LikeAnyClusterEndpoint()
    {
        await ReadyClusterAsync();
        using var other = await SignInAsync(OtherEmail);

        var response = await RevealAsync(other);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/v1/clusters/{Cluster}", Ct)).StatusCode);
        await AssertNotRevealedAsync();
    }

    [Fact]
    public async Task RevealManagementToken_OwnersReadOnlyToken_Answers403()
    {
        await ReadyClusterAsync();
        using var owner = await SignInAsync(OwnerEmail);
        using var readOnly = App.CreateClientWithToken((await owner.CreateTokenAsync("read-only", Scopes.ClustersRead)).Token);

        var response = await RevealAsync(readOnly);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        await AssertNotRevealedAsync();
    }

    [Fact]
    public async Task RevealManagementToken_CookieWithoutAntiforgeryHeader_Answers400()
    {
        await ReadyClusterAsync();
        using var owner = await SignInAsync(OwnerEmail);
        Assert.True(owner.DefaultRequestHeaders.Remove("RequestVerificationToken")); // what a page of another site could not add

        var response = await RevealAsync(owner);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "antiforgery");
        Assert.Empty(await RevealEntriesAsync());
    }

    [Fact]
    public async Task RevealManagementToken_OwnerDemotedAfterThePageOpened_IsRefusedWithTheRoleOfNow()
    {
        await ReadyClusterAsync();
        var commands = App.Services.GetRequiredService<ClusterSecretsCommands>();
        Caller owner;
        await using (var db = App.CreateDbContext())
        {
            var user = await db.Users.SingleAsync(u => u.Email == OwnerEmail, Ct);
            // As a page holds its caller: resolved when it opened, with every scope a person has.
            owner = new Caller(user.Id, OwnerEmail, false, new HashSet<string> { "team-a" }, Scopes.All.ToHashSet(), null, new ClientInfo(null, null));
            Assert.True(await commands.MayRevealAsync(owner, "team-a", Ct));
            await db.TeamMemberships.Where(m => m.UserId == user.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, TeamRole.Member), Ct);
        }

        var result = await commands.RevealManagementTokenAsync(owner, Cluster, Ct);

        Assert.Equal(CommandStatus.Forbidden, result.Status);
        Assert.Null(result.Value);
    }

    [Fact]
    public async Task RevealManagementToken_DestroyedCluster_Answers409()
    {
        await ReadyClusterAsync();
        var destroy = JsonNode.Parse(await (await Http.DeleteAsync($"/api/v1/clusters/{Cluster}", Ct)).Content.ReadAsStringAsync(Ct))!;
        await Http.WaitForOperationAsync((string)destroy["operation"]!["id"]!);

        var response = await RevealAsync(Http);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "conflict");
        await AssertNotRevealedAsync();
    }

    [Fact]
    public async Task CaCertificate_TeamMember_IsAPemDownloadWhoseSubjectNamesTheCluster()
    {
        var secrets = await ReadyClusterAsync();
        using var member = await SignInAsync(MemberEmail);

        var response = await member.GetAsync($"/api/v1/clusters/{Cluster}/ca.pem", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-pem-file", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal($"consul-{Cluster}-ca.pem", response.Content.Headers.ContentDisposition.FileName);
        var pem = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(secrets.CaCertificatePem, pem);
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Contains($"CN=Consul CA {Cluster}", certificate.Subject);
        Assert.True(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.False(certificate.HasPrivateKey);
        SecretScan.AssertAbsent(SecretScan.Named(secrets), [("ca.pem", pem)]);
    }

    [Fact]
    public async Task CaCertificate_AnotherTeam_Answers404()
    {
        await ReadyClusterAsync();
        using var other = await SignInAsync(OtherEmail);

        var response = await other.GetAsync($"/api/v1/clusters/{Cluster}/ca.pem", Ct);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>A ready cluster of team-a; its owner, a plain member of team-a and a member of team-b have accounts.</summary>
    private async Task<ClusterSecrets> ReadyClusterAsync()
    {
        await Http.CreateMemberAsync(OwnerEmail, Password, "team-a", "owner");
        await Http.CreateMemberAsync(MemberEmail, Password, "team-a");
        await Http.CreateMemberAsync(OtherEmail, Password, "team-b");
        var created = await Http.CreateClusterAsync(new { name = Cluster, team = "team-a" });
        await Http.WaitForOperationAsync((string)created["operation"]!["id"]!);
        return await App.SecretsOfAsync(Cluster);
    }

    private Task<HttpClient> SignInAsync(string email) => Personas.SignInAsync(App, email, Password);

    private static Task<HttpResponseMessage> RevealAsync(HttpClient client) =>
        client.PostAsync($"/api/v1/clusters/{Cluster}/secrets/management-token", null, Ct);

    /// <summary>The audit trail's reveal entries, as the admin reads them.</summary>
    private async Task<List<JsonObject>> RevealEntriesAsync() =>
        (await Http.GetJsonAsync($"/api/v1/audit?action={ClusterSecretsCommands.RevealAction}&target={Cluster}"))["items"]!.AsArray()
            .Select(e => e!.AsObject()).ToList();

    /// <summary>Refused attempts may be on record; none that says the token was revealed.</summary>
    private async Task AssertNotRevealedAsync() =>
        Assert.DoesNotContain(await RevealEntriesAsync(), e => (string)e["outcome"]! == "success");

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"https://portal.example/problems/{type}", (string)JsonNode.Parse(text)!["type"]!);
        return text;
    }
}
