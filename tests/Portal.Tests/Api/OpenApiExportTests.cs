using System.Text.Json.Nodes;
using TestSupport;
using TestSupport.Portal;

namespace Portal.Tests.Api;

/// <summary>
/// clients/openapi.json, what the linters check and the typed client is generated from, is the served document.
/// After a change to the API, refresh it with <c>PORTAL_WRITE_OPENAPI=1 dotnet test --filter OpenApiExport</c>.
/// </summary>
public sealed class OpenApiExportTests : PortalApiTest
{
    public static string ExportPath => Path.Combine(Repository.Root, "clients", "openapi.json");

    [Fact]
    public async Task OpenApiExport_CommittedFile_IsTheServedDocument()
    {
        var served = JsonNode.Parse(await Http.GetStringAsync("/openapi/v1.json", Ct))!.ToJsonString(new() { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("PORTAL_WRITE_OPENAPI") == "1") await File.WriteAllTextAsync(ExportPath, served, Ct);

        Assert.True(File.Exists(ExportPath), $"{ExportPath} is missing; write it with PORTAL_WRITE_OPENAPI=1.");
        Assert.True(served == await File.ReadAllTextAsync(ExportPath, Ct),
            "clients/openapi.json differs from the served document; refresh it with PORTAL_WRITE_OPENAPI=1 dotnet test --filter OpenApiExport.");
    }
}
