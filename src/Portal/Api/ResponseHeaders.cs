namespace Portal.Api;

/// <summary>An endpoint's own response header, documented on the statuses that carry it (<see cref="OpenApiContract"/>).</summary>
public sealed record ResponseHeader(string Name, string Description, params int[] Statuses);

public static class ResponseHeaderExtensions
{
    public static TBuilder ProducesHeader<TBuilder>(this TBuilder builder, string name, string description, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ResponseHeader(name, description, statuses));

    /// <summary>The entity tag of what the answer shows, for If-None-Match (304) and If-Match (412).</summary>
    public static TBuilder ProducesETag<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesHeader("ETag", "The version of the resource: send it back as If-None-Match to read it only when it changed, "
            + "or as If-Match to change it only if nobody else did.", statuses);

    /// <summary>A file download's name.</summary>
    public static TBuilder ProducesFileName<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesHeader("Content-Disposition", "The file name to save the answer as.", StatusCodes.Status200OK);
}
