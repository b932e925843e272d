using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Api;

/// <summary>
/// Says what is wrong with a request body in the API's terms: the JSON field, and what it should
/// hold. The framework's own messages name .NET types and parameters, which mean nothing to a caller.
/// </summary>
internal static partial class JsonBodyErrors
{
    public sealed record Description(string Detail, IReadOnlyDictionary<string, string[]>? Errors = null);

    /// <summary>Null when the request's problem is not its body.</summary>
    public static Description? Describe(BadHttpRequestException bad) => bad switch
    {
        { InnerException: JsonException json } => Describe(json),
        // A body that is missing, empty or the JSON literal null: minimal APIs word it for the developer.
        _ when bad.Message.Contains("no body was provided", StringComparison.Ordinal) => new("The request needs a JSON object as its body."),
        _ => null,
    };

    private static Description Describe(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
        {
            var name = field ?? unmapped.Groups[1].Value;
            return Field(name, $"'{name}' is not a field of this request.");
        }
        if (DuplicateProperty().Match(json.Message) is { Success: true } duplicate)
            return Field(duplicate.Groups[1].Value, $"'{duplicate.Groups[1].Value}' appears more than once.");
        if (ConversionTarget().Match(json.Message) is { Success: true } conversion)
            return field is null
                ? new("The request body is not valid: it must be a JSON object.")
                : Field(field, $"'{field}' must be {KindOf(conversion.Groups[1].Value)}.");
        return new($"The request body is not valid JSON: {json.Message}");
    }

    private static Description Field(string field, string message) =>
        new($"The request body is not valid: {message}", new Dictionary<string, string[]> { [field] = [message] });

    private static string KindOf(string dotnetType) => dotnetType switch
    {
        _ when dotnetType.Contains("Int32") || dotnetType.Contains("Int64") => "a whole number",
        _ when dotnetType.Contains("List`1") || dotnetType.EndsWith("[]", StringComparison.Ordinal) => "a list",
        _ when dotnetType.Contains("Boolean") => "true or false",
        _ when dotnetType.Contains("String") => "a string",
        _ => "an object with the documented fields",
    };

    [GeneratedRegex("property '(.*)' could not be mapped to any .NET member")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex("Duplicate property '([^']+)'")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex(@"could not be converted to (\S+?)\. Path:")]
    private static partial Regex ConversionTarget();
}
