using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Backup;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>Backups through the admin API: owner-only files, the key ring encrypted with the passphrase, retention, audit.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
// A backup is of the SQLite file and its key folder; PostgreSQL is backed up with its own tools (DatabaseStartupTests).
public sealed partial class BackupApiTests() : PortalApiTest(Portal.Data.DatabaseProvider.Sqlite)
{
    private const string Passphrase = "backup passphrase for tests 2026";

    private string BackupDirectory => Path.Combine(App.DataDirectory, "backups");

    [Fact]
    public async Task Backup_Taken_IsReadableByTheOwnerOnlyAndHoldsNoKeyInClear()
    {
        App.Settings["Backup:Passphrase"] = Passphrase;
        await Http.CreateClusterAsync(new { name = "kept" }); // a cluster secret, so the key ring has a key

        var file = await BackupAsync();

        var path = Path.Combine(BackupDirectory, file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using (var zip = ZipFile.OpenRead(path))
            Assert.Equal([PortalBackup.KeyRingEntry, PortalBackup.DatabaseEntry], zip.Entries.Select(e => e.FullName).Order());
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        var keys = Directory.GetFiles(Path.Combine(App.DataDirectory, "keys"), "*.xml");
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var secret = KeyValue().Match(await File.ReadAllTextAsync(key, Ct)).Groups[1].Value;
            Assert.True(secret.Length > 20, "no key value found");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(key)}'s secret is in the zip in clear");
        }
        Assert.True(bytes.AsSpan().IndexOf("masterKey"u8) < 0, "key XML is in the zip in clear");
        Assert.DoesNotContain(App.Logs.Lines, line => line.Contains(Passphrase));
    }

    [Fact]
    public async Task Backup_WithoutPassphrase_Answers409NamingTheKeyWritesNoFileAndAuditsTheRefusal()
    {
        var response = await Http.PostAsync("/api/v1/admin/backup", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Backup:Passphrase", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["detail"]!);
        Assert.False(Directory.Exists(BackupDirectory) && Directory.EnumerateFiles(BackupDirectory).Any());
        var entry = Assert.Single(await AuditAsync())!;
        Assert.Equal("failure", (string)entry["outcome"]!);
    }

    [Fact]
    public async Task Backup_Repeated_KeepsTheLastNAuditsEachAndLeavesOtherFilesAlone()
    {
        App.Settings["Backup:Passphrase"] = Passphrase;
        App.Settings["Backup:KeepLast"] = "2";
        Directory.CreateDirectory(BackupDirectory);
        foreach (var mine in new[] { "notes.zip", "portal-before-upgrade.zip" }) await File.WriteAllTextAsync(Path.Combine(BackupDirectory, mine), "x", Ct);

        var taken = new List<string>();
        for (var i = 0; i < 3; i++) taken.Add(await BackupAsync());

        Assert.Equal(taken.Skip(1).Append("notes.zip").Append("portal-before-upgrade.zip").Order(),
            Directory.GetFiles(BackupDirectory).Select(Path.GetFileName).Order());
        var audited = await AuditAsync();
        Assert.Equal(3, audited.Count);
        Assert.All(audited, e => Assert.Equal(PortalAppFactory.AdminEmail, (string)e!["actorName"]!));
        Assert.Contains(taken[0], (string)audited[0]!["details"]!); // the newest entry names what it pruned
    }

    [Fact]
    public void Startup_ShortBackupPassphrase_StopsThePortalNamingTheKey()
    {
        App.Settings["Backup:Passphrase"] = "short";

        var error = Assert.ThrowsAny<Exception>(() => App.CreateApiClient());

        Assert.Contains("Backup:Passphrase must be at least 16 characters", error.ToString());
    }

    private async Task<string> BackupAsync()
    {
        var response = await Http.PostAsync("/api/v1/admin/backup", null, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"backup: {(int)response.StatusCode} {body}");
        return (string)JsonNode.Parse(body)!["file"]!;
    }

    private async Task<JsonArray> AuditAsync() =>
        JsonNode.Parse(await Http.GetStringAsync("/api/v1/audit?action=admin.backup", Ct))!["items"]!.AsArray();

    [GeneratedRegex("<value>([^<]+)</value>")]
    private static partial Regex KeyValue();
}
