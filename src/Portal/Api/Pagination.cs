using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Api;

/// <summary>
/// Cursor pagination for every list: a page of at most <c>limit</c> items in a deterministic order,
/// and a <c>next</c> link carrying an opaque cursor (the sort key of the page's last item), so that
/// items created or removed meanwhile never shift a page the way offsets would.
/// </summary>
public static class Pagination
{
    public const int DefaultLimit = 50, MaxLimit = 200;

    /// <summary>Reads <c>limit</c> and <c>cursor</c>; a cursor holds <paramref name="parts"/> values.</summary>
    public static bool TryRead(int? limit, string? cursor, int parts, out int take, out string[]? after, out Dictionary<string, string[]> errors)
    {
        errors = [];
        take = limit ?? DefaultLimit;
        after = null;
        if (take is < 1 or > MaxLimit) errors["limit"] = [$"'limit' must be between 1 and {MaxLimit}."];
        if (cursor is not null)
        {
            after = Decode(cursor);
            if (after is null || after.Length != parts) errors["cursor"] = ["'cursor' is not a cursor of this list; use the 'next' link of the previous page."];
        }
        return errors.Count == 0;
    }

    /// <summary>
    /// A timestamp as a cursor holds it (UTC ticks, as <see cref="Encode"/> wrote it). A crafted cursor may hold
    /// any number: one outside what a <see cref="DateTimeOffset"/> can be is not a cursor of ours.
    /// </summary>
    public static bool TryReadTime(string ticks, out DateTimeOffset time)
    {
        time = default;
        if (!long.TryParse(ticks, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value > DateTimeOffset.MaxValue.UtcTicks) return false;
        time = new DateTimeOffset(value, TimeSpan.Zero);
        return true;
    }

    public static string Encode(params string[] values) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', values)));

    private static string[]? Decode(string cursor)
    {
        if (cursor.Length is 0 or > 1024) return null;
        try { return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\n'); }
        catch (FormatException) { return null; }
    }

    /// <summary>This request's URL with the cursor of the next page; null when this page is the last.</summary>
    public static string? NextLink<T>(HttpRequest request, IReadOnlyList<T> page, int take, bool hasMore, Func<T, string> cursorOf)
    {
        if (!hasMore || page.Count == 0) return null;
        var query = request.Query.Where(q => q.Key != "cursor").ToDictionary(q => q.Key, q => q.Value);
        query["cursor"] = cursorOf(page[^1]);
        query["limit"] = take.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString(request.PathBase + request.Path, query);
    }
}

/// <summary>Query values in the API's wire dialect: enums by their kebab-case names only, never by number.</summary>
public static class ApiQuery
{
    public static bool TryParseEnum<T>(string? value, out T? result) where T : struct, Enum
    {
        result = null;
        if (value is null) return true;
        foreach (var candidate in Enum.GetValues<T>())
            if (string.Equals(System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(candidate.ToString()), value, StringComparison.OrdinalIgnoreCase))
            {
                result = candidate;
                return true;
            }
        return false;
    }

    public static string Names<T>() where T : struct, Enum =>
        string.Join(", ", Enum.GetNames<T>().Select(System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName));
}
