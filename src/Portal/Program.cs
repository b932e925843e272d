using Portal;
using Portal.Api;
using Portal.Auditing;
using Portal.Backup;
using Portal.Clusters;
using Portal.Components;
using Portal.Data;
using Portal.Deployments;
using Portal.Drills;
using Portal.Engines;
using Portal.Health;
using Portal.Idempotency;
using Portal.Identity;
using Portal.Monitoring;
using Portal.Observability;
using Portal.Security;
using Portal.Snapshots;

if (await args.TryRunBackupVerbAsync()) return;

var builder = WebApplication.CreateBuilder(StaticAssetFiles.HostOptions(args));

builder.AddPortalConfiguration();
builder.AddSecurityHeaders();
builder.AddObservability();
builder.AddPortalData();
builder.AddAuditing();
builder.AddPortalIdentity();
builder.AddEngines();
builder.AddDeployments();
builder.AddClusters();
builder.AddClusterHealth();
builder.AddDrills();
builder.AddSnapshots();
builder.AddBackup();
builder.AddHealth();
builder.AddPortalApi();
builder.AddPortalUi();

var app = builder.Build();

await app.Services.CheckDeploymentEngineAsync();
await app.Services.MigratePortalDatabaseAsync();

app.UseSecurityHeaders(); // first: every response gets them, errors included
app.UseExceptionHandler();
if (!app.Environment.IsDevelopment()) app.UseHsts();
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"),
    ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseApiHead(); // before routing: a HEAD is routed as its GET
app.UseRouting();
app.UseThrottledAuthentication(); // callers without valid credentials are limited per address around it
app.UseAuthorization();
app.UsePortalApi(); // after authentication: limits are per caller
app.UseIdempotencyKeys();
app.UseAntiforgery();

app.MapAccountEndpoints();
app.MapHealth();
var api = app.MapPortalApi();
api.MapClusters();
api.MapDeployments();
api.MapClusterHealth();
api.MapDrills();
api.MapSnapshots();
api.MapIdentity();
api.MapAuditing();
api.MapBackup();
app.MapApiReference();
app.MapPortalUi();

app.Run();

public partial class Program;
