using Npgsql;
using Portal.ProcessTests.Support;
using TestSupport.Portal;

namespace Portal.ProcessTests;

/// <summary>
/// Two portal processes on one PostgreSQL database, as two replicas behind a load balancer: work enqueued on either
/// runs once, and when one is killed outright mid-deployment the other finishes its operations with a visible
/// recovery. Skipped without a PostgreSQL server (PORTAL_TEST_POSTGRES), failed under CI=true.
/// </summary>
public sealed class ReplicaProcessTests
{
    private const int Clusters = 100;

    private static PortalProcess Replica(string database, string name)
    {
        var portal = new PortalProcess();
        foreach (var (key, value) in TestDatabases.PostgreSqlSettings(database)) portal.Settings[key] = value;
        portal.Settings["Deployments:WorkerId"] = name;
        // About a second per cluster, five at a time on each replica: the kill finds deployments half done.
        portal.Settings["Provisioning:Simulated:TimeScale"] = "0.01";
        portal.Settings["Deployments:MaxConcurrency"] = "5";
        return portal;
    }

    [Fact]
    public async Task TwoReplicas_HundredOperationsAndOneKilled_EachRunsToTheEndOnceAndTheSurvivorRecoversTheRest()
    {
        var database = TestDatabases.PostgreSqlDatabase($"replica-process-{Guid.NewGuid():N}");
        try
        {
            await using var a = Replica(database, "replica-a");
            await using var b = Replica(database, "replica-b");
            await a.StartAsync();
            await b.StartAsync();

            // Requests reach both replicas, as a load balancer spreads them.
            var fromA = await Fleet.CreateAsync(a.Http, "east", Clusters / 2);
            var fromB = await Fleet.CreateAsync(b.Http, "west", Clusters / 2);
            var operations = fromA.Concat(fromB).ToDictionary();

            await Fleet.WaitUntilAsync(async () => RunningOn(database, "replica-a").Count > 0 && await Fleet.CountAsync(b.Http, "Ready") >= 10,
                TimeSpan.FromMinutes(3), "ten ready clusters and a deployment running on replica A");
            var interrupted = RunningOn(database, "replica-a");
            await a.KillAsync();
            Assert.NotEmpty(interrupted); // the kill interrupted deployments, or this proves nothing

            await Fleet.WaitUntilSettledAsync(b.Http, TimeSpan.FromMinutes(5));
            Assert.Equal(Clusters, await Fleet.CountAsync(b.Http, "Ready"));
            foreach (var operationId in operations.Values)
            {
                // Gap-free history, every resource created once, one recovered event per extra attempt.
                var events = await Fleet.AssertIntactAsync(b.Http, operationId);
                if (interrupted.Contains(operationId))
                    Assert.Contains(events, e => (string)e["type"]! == "recovered" && ((string)e["message"]!).Contains("replica-a stopped mid-operation"));
            }
            // The simulated cloud: exactly one row per resource of each cluster (the unique key would refuse a second).
            Assert.Equal(0, Scalar(database, """SELECT COUNT(*) FROM "Operations" WHERE "Attempt" > 2"""));
            Assert.True(b.ServerErrors.Count == 0, string.Join('\n', b.ServerErrors));
        }
        finally
        {
            TestDatabases.DropPostgreSqlDatabase(database);
        }
    }

    private static HashSet<string> RunningOn(string database, string worker)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("""SELECT "Id"::text FROM "Operations" WHERE "State" = 'Running' AND "LeaseOwner" LIKE @worker""", connection);
        command.Parameters.AddWithValue("worker", worker + "/%");
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    private static long Scalar(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
