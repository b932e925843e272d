using System.Text.Json;
using Provisioning.Clusters;

namespace TestSupport;

/// <summary>The catalog the portal ships with, read from the repository's appsettings.json: tests choose from what users can.</summary>
public static class ShippedCatalog
{
    private static readonly Lazy<ProvisioningCatalog> Catalog = new(Read);

    /// <summary>A fresh copy each time, so a test may change it.</summary>
    public static ProvisioningCatalog Value => JsonSerializer.Deserialize<ProvisioningCatalog>(JsonSerializer.Serialize(Catalog.Value))!;

    private static ProvisioningCatalog Read()
    {
        var path = Path.Combine(Repository.Root, "appsettings.json");
        using var settings = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return settings.RootElement.GetProperty("Provisioning").GetProperty("Catalog")
            .Deserialize<ProvisioningCatalog>(new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"{path} has no Provisioning:Catalog.");
    }
}
