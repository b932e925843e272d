using System.IO.Compression;
using System.Text.Json.Nodes;
using Portal.ProcessTests.Support;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary>
/// A running portal is backed up (CLI verb and admin API) and restored with the restore verb and the passphrase
/// into a new portal that shows the same state; without the passphrase nothing is backed up or restored.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
public sealed class BackupTests
{
    private const string Passphrase = "process-test backup passphrase 7c1e";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BackupOfRunningPortal_RestoresIntoPortalWithSameClustersOperationsAndWorkingGossipKeys()
    {
        await using var original = new PortalProcess { Settings = { ["Backup:Passphrase"] = Passphrase } };
        await original.StartAsync();
        var operations = await Fleet.CreateAsync(original.Http, "backup", 3);
        await Fleet.WaitUntilSettledAsync(original.Http, TimeSpan.FromMinutes(1));
        var before = await SnapshotAsync(original.Http);

        // The admin API writes into the backup folder and answers the file's name.
        using var api = await original.Http.PostAsync("/api/v1/admin/backup", null, Ct);
        api.EnsureSuccessStatusCode();
        var file = (string)JsonNode.Parse(await api.Content.ReadAsStringAsync(Ct))!["file"]!;
        AssertBackupHolds(Path.Combine(original.DataDirectory, "backups", file));

        // The CLI verb, from a second process while the portal runs, exits without starting a web host.
        // It audits the backup after taking it: the zip holds the trail up to the moment before.
        var chain = JsonNode.Parse(await original.Http.GetStringAsync("/api/v1/audit/verify", Ct))!;
        var zip = Path.Combine(original.DataDirectory, "cli-backup.zip");
        var (exitCode, output) = await original.RunVerbAsync("backup", zip);
        Assert.True(exitCode == 0, output);
        Assert.Contains(zip, output);
        Assert.DoesNotContain("Now listening", output);
        AssertBackupHolds(zip);
        var afterVerb = JsonNode.Parse(await original.Http.GetStringAsync("/api/v1/audit/verify", Ct))!;
        Assert.True((bool)afterVerb["verified"]!, afterVerb.ToJsonString());
        Assert.Equal((long)chain["entries"]! + 1, (long)afterVerb["entries"]!);

        // Restore as documented: the restore verb, with the passphrase, into the data folder of a portal that is not running.
        var restoredDirectory = Directory.CreateTempSubdirectory("portal-restored-").FullName;
        try
        {
            await using var restored = new PortalProcess(restoredDirectory) { Settings = { ["Backup:Passphrase"] = Passphrase } };
            var (restoreCode, restoreOutput) = await restored.RunVerbAsync("restore", zip);
            Assert.True(restoreCode == 0, restoreOutput);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(restored.DatabasePath));
            await restored.StartAsync();
            Assert.Equal(before, await SnapshotAsync(restored.Http));
            // The audit trail comes back whole: every entry up to the backup, and the chain verifies.
            var restoredChain = JsonNode.Parse(await restored.Http.GetStringAsync("/api/v1/audit/verify", Ct))!;
            Assert.True((bool)restoredChain["verified"]!, restoredChain.ToJsonString());
            Assert.Equal((long)chain["entries"]!, (long)restoredChain["entries"]!);
            foreach (var operationId in operations.Values) await Fleet.AssertIntactAsync(restored.Http, operationId);

            // Destroying needs the cluster's gossip key: it decrypts only if the keys came back too.
            var destroy = await restored.Http.DeleteAsync("/api/v1/clusters/backup-000", Ct);
            var destroyOperation = (string)JsonNode.Parse(await destroy.Content.ReadAsStringAsync(Ct))!["operation"]!["id"]!;
            Assert.Equal("succeeded", (string)(await restored.Http.WaitForOperationAsync(destroyOperation))["state"]!);
            Fleet.AssertCleanLogs(restored);
        }
        finally
        {
            Directory.Delete(restoredDirectory, recursive: true);
        }
        Fleet.AssertCleanLogs(original);
    }

    [Fact]
    public async Task BackupAndRestore_WithoutTheRightPassphrase_ExitWithTheReasonAndWriteNothing()
    {
        await using var original = new PortalProcess();
        await original.StartAsync();
        var refused = Path.Combine(original.DataDirectory, "refused.zip");
        var (noPassphrase, noPassphraseOutput) = await original.RunVerbAsync("backup", refused);
        original.Settings["Backup:Passphrase"] = Passphrase;
        var zip = Path.Combine(original.DataDirectory, "taken.zip");
        Assert.Equal(0, (await original.RunVerbAsync("backup", zip)).ExitCode);
        // Without a file, the verb writes into Backup:Directory, as the admin API does.
        var (intoFolder, intoFolderOutput) = await original.RunVerbAsync("backup");
        var audited = JsonNode.Parse(await original.Http.GetStringAsync("/api/v1/audit?action=admin.backup", Ct))!["items"]!.AsArray();

        var restoredDirectory = Directory.CreateTempSubdirectory("portal-restored-").FullName;
        try
        {
            await using var restored = new PortalProcess(restoredDirectory) { Settings = { ["Backup:Passphrase"] = "not the passphrase it was taken with" } };
            var (wrong, wrongOutput) = await restored.RunVerbAsync("restore", zip);

            Assert.Equal(1, noPassphrase);
            Assert.Contains("Backup:Passphrase is not set", noPassphraseOutput);
            Assert.False(File.Exists(refused));
            Assert.True(intoFolder == 0, intoFolderOutput);
            Assert.StartsWith(Path.Combine(original.DataDirectory, "backups", "portal-"), intoFolderOutput.Trim());
            Assert.Equal(["success", "success", "failure"], audited.Select(e => (string)e!["outcome"]!));
            Assert.Equal(1, wrong);
            Assert.Contains("Backup:Passphrase does not decrypt this backup's key ring", wrongOutput);
            Assert.Empty(Directory.EnumerateFileSystemEntries(restoredDirectory));
        }
        finally
        {
            Directory.Delete(restoredDirectory, recursive: true);
        }
    }

    private static void AssertBackupHolds(string zip)
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(zip));
        using var archive = ZipFile.OpenRead(zip);
        Assert.Contains(archive.Entries, e => e.FullName == "portal.db" && e.Length > 0);
        Assert.Contains(archive.Entries, e => e.FullName == "keyring.enc" && e.Length > 0);
        Assert.DoesNotContain(archive.Entries, e => e.FullName.EndsWith(".xml", StringComparison.Ordinal));
    }

    /// <summary>What a user sees: each cluster's status and each of its operations with state and event count.</summary>
    private static async Task<string> SnapshotAsync(HttpClient http)
    {
        var lines = new List<string>();
        foreach (var cluster in await Fleet.ListAsync(http, "/api/v1/clusters?limit=200"))
        {
            var name = (string)cluster["name"]!;
            lines.Add($"{name} {cluster["status"]}");
            foreach (var operation in await Fleet.ListAsync(http, $"/api/v1/clusters/{name}/operations?limit=200"))
            {
                var id = (string)operation!["id"]!;
                lines.Add($"  {id} {operation["kind"]} {operation["state"]} events={(await http.AllEventsAsync(id)).Count}");
            }
        }
        return string.Join('\n', lines);
    }
}
