using System.Text.Json.Nodes;
using TestSupport.Portal;

namespace Portal.ProcessTests.Support;

/// <summary>Many clusters at once through the API, and the checks that prove none of their deployments was damaged.</summary>
internal static class Fleet
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates <paramref name="count"/> clusters named <c>prefix-000</c>…, all requests in flight at once; returns name → operation id.</summary>
    public static async Task<Dictionary<string, string>> CreateAsync(HttpClient http, string prefix, int count)
    {
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            var name = $"{prefix}-{i:000}";
            var answer = await http.CreateClusterAsync(new { name });
            return (name, id: (string)answer["operation"]!["id"]!);
        }));
        return created.ToDictionary(c => c.name, c => c.id);
    }

    /// <param name="status">As the query binds it: <c>Ready</c>, <c>Provisioning</c> (the answers spell it <c>ready</c>).</param>
    public static async Task<int> CountAsync(HttpClient http, string status) =>
        (await ListAsync(http, $"/api/v1/clusters?status={status}&limit=200")).Count;

    /// <summary>Every item of a list, following its <c>next</c> links where the list is paged.</summary>
    public static async Task<List<JsonObject>> ListAsync(HttpClient http, string url)
    {
        var items = new List<JsonObject>();
        for (string? next = url; next is not null;)
        {
            var page = await http.GetJsonAsync(next);
            items.AddRange(page["items"]!.AsArray().Select(i => i!.AsObject()));
            next = (string?)page["next"];
        }
        return items;
    }

    /// <summary>Polls until no cluster is requested or provisioning any more.</summary>
    public static Task WaitUntilSettledAsync(HttpClient http, TimeSpan timeout) =>
        WaitUntilAsync(async () => await CountAsync(http, "Requested") + await CountAsync(http, "Provisioning") == 0, timeout,
            "every cluster to finish deploying");

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(500, Ct);
        }
    }

    /// <summary>
    /// The operation succeeded; its events are numbered 1..N without gap or repeat; no resource was
    /// created twice; every claim after the first was preceded by a visible "recovered" event.
    /// </summary>
    public static async Task<List<JsonObject>> AssertIntactAsync(HttpClient http, string operationId)
    {
        var operation = await http.GetJsonAsync($"/api/v1/operations/{operationId}");
        Assert.Equal("succeeded", (string)operation["state"]!);
        var events = await http.AllEventsAsync(operationId);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => (int)e["sequence"]!));
        var createdTwice = events
            .Where(e => (string)e["type"]! == "resource-succeeded" && (string)e["resource"]!["op"]! == "create")
            .GroupBy(e => (string)e["resource"]!["name"]!)
            .Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(createdTwice.Count == 0, $"{operation["cluster"]}: created twice: {string.Join(", ", createdTwice)}");
        Assert.Equal((int)operation["attempt"]! - 1, events.Count(e => (string)e["type"]! == "recovered"));
        return events;
    }

    /// <summary>The simulated cloud holds exactly the plan's resources for each cluster: one row each, none twice.</summary>
    public static async Task AssertSimulatedCloudMatchesAsync(PortalProcess portal, IReadOnlyDictionary<string, string> operations)
    {
        var rows = new Dictionary<string, int>();
        using (var db = portal.OpenDatabase())
        using (var command = db.CreateCommand())
        {
            command.CommandText = "SELECT Stack, COUNT(*) FROM SimulatedResources GROUP BY Stack";
            using var reader = command.ExecuteReader();
            while (reader.Read()) rows[reader.GetString(0)] = reader.GetInt32(1);
        }
        foreach (var (cluster, operationId) in operations)
        {
            var total = (int)(await portal.Http.GetJsonAsync($"/api/v1/operations/{operationId}"))["progress"]!["total"]!;
            Assert.True(total > 0);
            // The progress counts the plan's resources and, as its last step, the verification of Consul.
            Assert.Equal((cluster, total - 1), (cluster, rows.GetValueOrDefault(cluster)));
        }
    }

    /// <summary>At least <paramref name="ready"/> clusters are ready and some deployment is running with resources already done: a good moment to interrupt.</summary>
    public static Task WaitUntilMidwayAsync(PortalProcess portal, int ready) =>
        WaitUntilAsync(async () => await CountAsync(portal.Http, "Ready") >= ready
                && Query(portal, "SELECT COUNT(*) FROM Operations WHERE State = 'Running' AND ProgressDone > 0", r => r.GetInt32(0)).Single() > 0,
            TimeSpan.FromMinutes(2), $"{ready} ready clusters and a deployment half done");

    /// <summary>Ids (lower case) of operations the database shows Running, read while the portal is down.</summary>
    public static HashSet<string> RunningOperations(PortalProcess portal) =>
        Query(portal, "SELECT lower(Id) FROM Operations WHERE State = 'Running'", r => r.GetString(0)).ToHashSet();

    public static List<T> Query<T>(PortalProcess portal, string sql, Func<Microsoft.Data.Sqlite.SqliteDataReader, T> read)
    {
        using var db = portal.OpenDatabase();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read()) result.Add(read(reader));
        return result;
    }

    /// <summary>Nothing in the portal's output that an operator would have to act on, and no secret.</summary>
    public static void AssertCleanLogs(PortalProcess portal)
    {
        var output = portal.Output;
        Assert.DoesNotContain("database is locked", output, StringComparison.OrdinalIgnoreCase);
        // Errors in either console format: "fail:" (simple) or "LogLevel":"Error" (json).
        var lines = portal.OutputLines;
        var errors = lines.Select((line, i) => (line, i)).Where(l => l.line.StartsWith("fail:") || l.line.StartsWith("crit:")
            || l.line.Contains("\"LogLevel\":\"Error\"") || l.line.Contains("\"LogLevel\":\"Critical\""))
            // The simple format puts the message on the next lines: a failure report must say what failed.
            .Select(l => string.Join('\n', lines.Skip(l.i).Take(4))).ToList();
        Assert.True(errors.Count == 0, "The portal logged errors:\n" + string.Join('\n', errors));
        Assert.DoesNotContain(TestCredentials.AdminPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCredentials.ApiToken, output, StringComparison.Ordinal);
        Assert.Empty(portal.ServerErrors);
    }
}
