using System.Reflection;
using NetArchTest.Rules;
using Portal.Data;
using Provisioning.Clusters;

namespace Portal.Tests.Architecture;

/// <summary>
/// The arrows of docs/architecture.md between the feature folders of each project: a folder uses only the
/// folders listed for it. A new arrow goes here and in the document; one that closes a cycle fails.
/// </summary>
public sealed class FolderArrowsTests
{
    private static readonly ProjectArrows Portal = new(typeof(PortalDbContext).Assembly, new()
    {
        ["Components"] = ["Snapshots", "Clusters", "Deployments", "Monitoring", "Drills", "Backup", "Engines", "Identity", "Auditing", "Api", "Data"],
        ["Snapshots"] = ["Clusters", "Engines", "Identity", "Auditing", "Api", "Data"],
        ["Drills"] = ["Clusters", "Identity", "Api", "Data"],
        ["Clusters"] = ["Deployments", "Monitoring", "Engines", "Identity", "Auditing", "Api", "Data"],
        ["Deployments"] = ["Monitoring", "Engines", "Identity", "Auditing", "Api", "Data"],
        ["Monitoring"] = ["Engines", "Identity", "Auditing", "Api", "Data"],
        ["Health"] = ["Deployments", "Engines", "Api", "Data"],
        ["Observability"] = ["Deployments"],
        ["Backup"] = ["Identity", "Auditing", "Api", "Data"],
        ["Idempotency"] = ["Identity", "Api", "Data"],
        ["Identity"] = ["Auditing", "Api", "Data"],
        ["Auditing"] = ["Api", "Data"],
        ["Engines"] = ["Data"],
        ["Api"] = ["Security", "Data"],
        ["Security"] = [],
        ["Data"] = [],
    });

    private static readonly ProjectArrows Provisioning = new(typeof(ClusterSpec).Assembly, new()
    {
        ["Pulumi"] = ["Engines", "Health", "Topology", "Consul", "Security", "Clusters"],
        ["Simulation"] = ["Engines", "Health", "Topology", "Consul", "Security", "Clusters"],
        ["Engines"] = ["Health", "Topology", "Security", "Clusters"],
        ["Health"] = ["Consul", "Clusters"],
        ["Topology"] = ["Consul", "Security", "Clusters"],
        ["Consul"] = ["Security", "Clusters"],
        ["Security"] = [],
        ["Clusters"] = [],
    });

    public static TheoryData<string> PortalFolders => [.. Portal.Folders];
    public static TheoryData<string> ProvisioningFolders => [.. Provisioning.Folders];

    [Theory]
    [MemberData(nameof(PortalFolders))]
    public void PortalFolder_Dependencies_FollowItsArrows(string folder) => Portal.AssertFollowsArrows(folder);

    [Theory]
    [MemberData(nameof(ProvisioningFolders))]
    public void ProvisioningFolder_Dependencies_FollowItsArrows(string folder) => Provisioning.AssertFollowsArrows(folder);

    [Fact]
    public void Arrows_OfBothProjects_FormNoCycle()
    {
        Portal.AssertAcyclic();
        Provisioning.AssertAcyclic();
    }

    [Fact]
    public void Folders_OfBothProjects_AllHaveTheirArrowsWritten()
    {
        Portal.AssertEveryFolderListed();
        Provisioning.AssertEveryFolderListed();
    }

    [Fact]
    public void Provisioning_Dependencies_NeitherPortalNorAspNetCore()
    {
        var result = Types.InAssembly(Provisioning.Assembly).Should()
            .NotHaveDependencyOnAny("Portal", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore").GetResult();
        Assert.True(result.IsSuccessful, "Provisioning knows nothing of the web host: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    private sealed class ProjectArrows(Assembly assembly, Dictionary<string, string[]> arrows)
    {
        public Assembly Assembly => assembly;
        private string Root => assembly.GetName().Name!;
        public IEnumerable<string> Folders => arrows.Keys;

        public void AssertFollowsArrows(string folder)
        {
            var forbidden = arrows.Keys.Where(other => other != folder && !arrows[folder].Contains(other)).ToList();
            var offences = forbidden
                .Select(other => (other, Types.InAssembly(assembly).That().ResideInNamespace($"{Root}.{folder}")
                    .Should().NotHaveDependencyOn($"{Root}.{other}").GetResult()))
                .Where(r => !r.Item2.IsSuccessful)
                .Select(r => $"{folder} → {r.other} ({string.Join(", ", r.Item2.FailingTypeNames.Select(Short).Distinct())})")
                .ToList();
            Assert.True(offences.Count == 0,
                $"{Root}/{folder} may use only {string.Join(", ", arrows[folder].DefaultIfEmpty("none of the other folders"))}; it uses: {string.Join("; ", offences)}");
        }

        public void AssertAcyclic()
        {
            var state = new Dictionary<string, bool>(); // false: on the current path, true: done
            foreach (var folder in arrows.Keys) Visit(folder, []);

            void Visit(string folder, List<string> path)
            {
                if (state.TryGetValue(folder, out var done))
                {
                    Assert.True(done, $"The arrows of {Root} form a cycle: {string.Join(" → ", path.SkipWhile(f => f != folder).Append(folder))}");
                    return;
                }
                state[folder] = false;
                foreach (var next in arrows[folder])
                {
                    Assert.True(arrows.ContainsKey(next), $"{Root}/{folder} has an arrow to {next}, which is not a folder listed here.");
                    Visit(next, [.. path, folder]);
                }
                state[folder] = true;
            }
        }

        public void AssertEveryFolderListed()
        {
            var folders = assembly.GetTypes()
                .Select(t => t.Namespace)
                .Where(n => n is not null && n.StartsWith(Root + ".", StringComparison.Ordinal))
                .Select(n => n!.Split('.')[1])
                .Distinct()
                .Where(f => !arrows.ContainsKey(f) && !IsGenerated(f))
                .ToList();
            Assert.True(folders.Count == 0, $"Folders of {Root} without arrows: {string.Join(", ", folders)}. Add them here and to docs/architecture.md.");
        }

        /// <summary>Namespaces the compiler and source generators emit into the assembly, not folders of ours.</summary>
        private static bool IsGenerated(string folder) => folder is "Microsoft" or "System";

        private static string Short(string typeName) => typeName.Split('.', '+').Last(part => !part.StartsWith('<'));
    }
}
