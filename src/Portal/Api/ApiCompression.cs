using System.IO.Compression;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Portal.Api;

/// <summary>
/// Compression of the API's and the OpenAPI document's answers: Brotli, else gzip, from <see cref="ApiOptions.CompressionMinimumBytes"/>
/// on. Static assets need none of this: <c>MapStaticAssets</c> serves the <c>.br</c>/<c>.gz</c> copies the publish made.
/// </summary>
public static class ApiCompression
{
    /// <summary>The answers compressed: the API's JSON and problems, the OpenAPI document, a cluster's program.</summary>
    private static readonly string[] MimeTypes = ["application/json", "application/problem+json", "application/yaml", "text/plain"];

    public static IServiceCollection AddApiCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            // Over HTTPS too, which opens the door to BREACH: an attacker who can make a victim's browser send requests
            // and can watch the answers' sizes learns a secret byte by byte, if the secret and text the attacker chose
            // are compressed together. Answers that carry a secret are therefore never compressed (Uncompressed()).
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = MimeTypes;
        });
        // Brotli's fastest quality (1) shrinks JSON less than gzip's fastest: the OpenAPI document 148 KB → 28 KB against
        // 16.5 KB. Optimal (quality 4, far below the 11 of the static copies) makes it 9 KB.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Replace(ServiceDescriptor.Singleton<IResponseCompressionProvider, ApiCompressionProvider>());
        return services;
    }

    /// <summary>For <c>/api</c> and <c>/openapi</c> requests: compression, with the start of each answer held back to learn its size.</summary>
    public static IApplicationBuilder UseApiCompression(this IApplicationBuilder app)
    {
        app.UseResponseCompression();
        app.Use(async (http, next) =>
        {
            var inner = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var held = new HeldBackBody(http.Response, inner, http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.CompressionMinimumBytes);
            http.Features.Set<IHttpResponseBodyFeature>(held);
            try
            {
                await next(http);
                await held.FinishAsync();
            }
            finally
            {
                // After a failure the held bytes are dropped unsent: the error handler answers in their place.
                http.Features.Set(inner);
            }
        });
        return app;
    }

    /// <summary>
    /// Never compress this endpoint's answers: it returns a secret, and a compressed secret beside text the caller chose
    /// (the cluster's name in the URL, reflected in the answer) is what BREACH reads by comparing answer sizes.
    /// </summary>
    public static TBuilder Uncompressed<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(UncompressedAnswer.Instance);

    internal static bool IsCompressible(string? contentType) =>
        contentType is not null && MimeTypes.Any(m => contentType.StartsWith(m, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The endpoint metadata <see cref="ApiCompression.Uncompressed"/> adds.</summary>
public sealed class UncompressedAnswer
{
    public static readonly UncompressedAnswer Instance = new();
}

/// <summary>The framework's choice of encoding, but never for an endpoint marked uncompressed, nor for an answer known to be short.</summary>
internal sealed class ApiCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options, IOptions<ApiOptions> api)
    : ResponseCompressionProvider(services, options)
{
    public override bool ShouldCompressResponse(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<UncompressedAnswer>() is null
        && !(context.Response.ContentLength < api.Value.CompressionMinimumBytes)
        && base.ShouldCompressResponse(context);
}

/// <summary>
/// Holds back the first bytes of a compressible answer, so that one shorter than the threshold goes out whole with a
/// Content-Length, which <see cref="ApiCompressionProvider"/> reads. Without it a minimal API's JSON is streamed with no
/// length and the compression middleware, deciding at the first write, would compress a 40-byte 404 too
/// (dotnet/aspnetcore#5994). While bytes are held a flush waits: a JSON writer flushes at its end. Anything else
/// (an event stream, a file) passes straight through.
/// </summary>
internal sealed class HeldBackBody(HttpResponse response, IHttpResponseBodyFeature inner, int threshold) : Stream, IHttpResponseBodyFeature
{
    private readonly byte[] _held = new byte[threshold];
    private int _count;
    private bool _passing;
    private PipeWriter? _writer;

    public Stream Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    private bool Holds => !_passing && ApiCompression.IsCompressible(response.ContentType);

    /// <summary>At the end of the request: a short answer gets its length, then goes out.</summary>
    public async Task FinishAsync()
    {
        if (_writer is not null) await _writer.FlushAsync();
        if (!_passing && _count > 0 && !response.HasStarted) response.ContentLength ??= _count;
        await ReleaseAsync(CancellationToken.None);
    }

    private async ValueTask ReleaseAsync(CancellationToken cancellationToken)
    {
        _passing = true;
        if (_count == 0) return;
        var count = _count;
        _count = 0;
        await inner.Stream.WriteAsync(_held.AsMemory(0, count), cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Holds && _count + buffer.Length <= _held.Length)
        {
            buffer.CopyTo(_held.AsMemory(_count));
            _count += buffer.Length;
            return;
        }
        await ReleaseAsync(cancellationToken);
        await inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (Holds) return;
        await ReleaseAsync(cancellationToken);
        await inner.Stream.FlushAsync(cancellationToken);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public void DisableBuffering()
    {
        _passing = true; // whatever is held goes out with the next write or flush
        inner.DisableBuffering();
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await ReleaseAsync(cancellationToken);
        await inner.StartAsync(cancellationToken);
    }

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await ReleaseAsync(cancellationToken);
        await inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        await FinishAsync();
        await inner.CompleteAsync();
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
