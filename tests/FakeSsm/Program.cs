namespace FakeSsm;

// dotnet FakeSsm.dll --urls http://127.0.0.1:4583 [--servers N] [--fault <join-tag>=<fault>[,<fault>]]...
// Point the portal at it with Provisioning__Pulumi__Ssm__ServiceUrl and any AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
// Every datacenter is healthy with 3 servers unless told; GET /_fake/requests lists what it received and
// PUT /_fake/datacenters/<join-tag> {"faults": ["no-leader"], "servers": 3, "online": true, "failingServers": 1} changes one.

/// <summary>The stand-in as an exe; a named class, so that test projects referencing it keep the portal's <c>Program</c> unambiguous.</summary>
internal static class FakeSsmProgram
{
    public static async Task<int> Main(string[] args)
    {
        var servers = 3;
        var faults = new List<(string JoinTag, ConsulFault Fault)>();
        var hostArgs = new List<string>();
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--servers" when i + 1 < args.Length && int.TryParse(args[i + 1], out var count) && count > 0:
                        servers = count;
                        i++;
                        break;
                    case "--fault" when i + 1 < args.Length && args[i + 1].Split('=', 2) is [var tag, var names]:
                        faults.AddRange(names.Split(',').Select(name => (tag, FaultNames.Parse(name))));
                        i++;
                        break;
                    case "--servers" or "--fault":
                        throw new ArgumentException($"{args[i]} needs a value: --servers N, --fault <join-tag>=<fault>[,<fault>]");
                    default:
                        hostArgs.Add(args[i]);
                        break;
                }
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        await FakeSsmServer.RunAsync([.. hostArgs], ssm =>
        {
            ssm.DefaultServers = servers;
            foreach (var (tag, fault) in faults) ssm.Change(tag, d => d.Faults.Add(fault));
        });
        return 0;
    }
}
