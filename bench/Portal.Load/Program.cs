using System.Diagnostics;
using System.Globalization;
using Portal.Load;

// What users feel, side by side in one run, repeated: see bench/README.md. `bash bench/run` is the one command.
var options = Options.Parse(args);
var repository = Options.RepositoryRoot();
var total = Stopwatch.StartNew();
var work = Directory.CreateTempSubdirectory("portal-bench-").FullName;
var publish = Path.Combine(work, "publish");
Console.WriteLine($"Publishing the portal (Release) to {publish}");
var published = Report.Run("dotnet", $"publish src/Portal/Portal.csproj -c Release -o \"{publish}\" --nologo -v q", repository);
if (!File.Exists(Path.Combine(publish, "Portal.dll"))) throw new InvalidOperationException($"dotnet publish failed:\n{published}");

var instant = new Dictionary<string, string>
{
    ["Provisioning:Simulated:TimeScale"] = "0",
};
var live = new Dictionary<string, string>
{
    ["Provisioning:Simulated:TimeScale"] = options.LiveTimeScale.ToString(CultureInfo.InvariantCulture),
    ["Deployments:MaxConcurrency"] = "1", // see LiveStreams: the measured create waits behind a pacer while its watchers connect
};

var samples = new Samples();
List<Assets.Row> assets = [];
// Started from another folder, the portal's content root is that folder; null until a start shows whether its static
// assets are served from there. If they are not, later starts pass --contentRoot so that everything else can be measured.
string? contentRoot = null;
for (var run = 1; run <= options.Runs; run++)
{
    Console.WriteLine($"Run {run} of {options.Runs} ({total.Elapsed:mm\\:ss})");
    var portal = await PortalInstance.StartAsync(publish, work, $"run{run}-instant", instant, contentRoot);
    try
    {
        assets = await Assets.MeasureAsync(portal);
        if (run == 1 && contentRoot is null && assets.Any(a => a.Path.EndsWith(".js", StringComparison.Ordinal) && a.Plain.Bytes == 0))
        {
            samples.Finding("Started from another folder (`cd /elsewhere && dotnet /app/Portal.dll`), the portal answers its static assets " +
                "(stylesheets, `blazor.web.js`, MudBlazor's script) with 200 and an empty body: the content root is the working folder, " +
                "where there is no `wwwroot`, so no page becomes interactive. The Docker image is unaffected (`WORKDIR /app`). " +
                "The bench passes `--contentRoot <publish folder>` from then on.");
            await portal.DisposeAsync();
            contentRoot = publish;
            portal = await PortalInstance.StartAsync(publish, work, $"run{run}-instant-contentroot", instant, contentRoot);
            assets = await Assets.MeasureAsync(portal);
        }
        samples.Add("startup.ready", portal.StartToReady.TotalSeconds);
        await Task.Delay(TimeSpan.FromSeconds(2));
        samples.Add("rss.idle", portal.RssMiB());

        await Throughput.HealthAsync(portal, samples, options.Duration);
        await EventBurst.MeasureAsync(portal, samples);
        await Throughput.ClusterListAsync(portal, samples, options.Duration);
        await Circuits.MeasureAsync(portal, samples, options.Tabs);
    }
    finally
    {
        await portal.DisposeAsync();
    }

    await using (var slow = await PortalInstance.StartAsync(publish, work, $"run{run}-live", live, contentRoot))
        await LiveStreams.MeasureAsync(slow, samples, run);
}

var results = Report.Write(samples, assets, options, repository, total.Elapsed);
var output = Path.GetFullPath(options.Output ?? Path.Combine(repository, "bench", "RESULTS.md"));
await File.WriteAllTextAsync(output, results);
Console.WriteLine($"Wrote {output} after {total.Elapsed:mm\\:ss}");
Directory.Delete(work, recursive: true);

namespace Portal.Load
{
    public sealed record Options(int Runs, int Tabs, TimeSpan Duration, double LiveTimeScale, string? Output, string? Label)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(5, 20, TimeSpan.FromSeconds(5), 0.04, null, null);
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                options = args[i++] switch
                {
                    "--runs" => options with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--tabs" => options with { Tabs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--duration" => options with { Duration = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                    "--live-time-scale" => options with { LiveTimeScale = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--out" => options with { Output = value },
                    "--label" => options with { Label = value },
                    var unknown => throw new ArgumentException($"Unknown option {unknown}: --runs, --tabs, --duration, --live-time-scale, --out, --label."),
                };
            }
            return options;
        }

        /// <summary>The folder with Portal.sln, above the working folder.</summary>
        public static string RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "Portal.sln"))) return folder.FullName;
            throw new InvalidOperationException("Run from inside the repository (no Portal.sln above the working folder).");
        }
    }
}
