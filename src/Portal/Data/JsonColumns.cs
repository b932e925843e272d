using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data;

/// <summary>
/// Typed properties stored as JSON text, in the columns and the format the portal has always written,
/// so that existing databases read unchanged.
/// </summary>
internal static class JsonColumns
{
    /// <summary>Stores the value as JSON in <paramref name="column"/>; two values are equal when their JSON is.</summary>
    public static PropertyBuilder<T> HasJsonConversion<T>(this PropertyBuilder<T> property, string column, JsonSerializerOptions? options = null) =>
        property.HasColumnName(column).HasConversion(
            value => JsonSerializer.Serialize(value, options),
            json => JsonSerializer.Deserialize<T>(json, options)!,
            // Lists are mutable behind IReadOnlyList: the snapshot is a copy, not the same instance.
            new ValueComparer<T>(
                (a, b) => JsonSerializer.Serialize(a, options) == JsonSerializer.Serialize(b, options),
                value => JsonSerializer.Serialize(value, options).GetHashCode(),
                value => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, options), options)!));
}
