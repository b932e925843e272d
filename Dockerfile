# syntax=docker/dockerfile:1
# Portal: build with the SDK, run on the ASP.NET runtime with a pinned Pulumi CLI.
#   docker build -t consul-portal .
#   docker run -p 8080:8080 -v portal-data:/data consul-portal                   (simulated engine)
#   docker run ... -e Provisioning__Engine=Pulumi -e Provisioning__Pulumi__Passphrase=... -e AWS_... consul-portal
#   docker run ... -e Database__Provider=PostgreSQL -e ConnectionStrings__Portal="Host=db;Database=portal;Username=portal;Password=..." \
#       -e DataProtection__CertificatePath=/run/secrets/keyring.pfx -e DataProtection__CertificatePassword=... consul-portal
#                                                                               (PostgreSQL: several replicas, docs/scaling.md)
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
# Restore first, from the project files only, so the layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props appsettings.json ./
COPY src/Provisioning/Provisioning.csproj src/Provisioning/
COPY src/Portal/Portal.csproj src/Portal/
RUN dotnet restore src/Portal/Portal.csproj
COPY src/ src/
RUN dotnet publish src/Portal/Portal.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
ARG PULUMI_VERSION=3.190.0
ARG PULUMI_AWS_PLUGIN_VERSION=7.8.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSL "https://get.pulumi.com/releases/sdk/pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz" | tar -xz -C /opt \
 && ln -s /opt/pulumi/pulumi /usr/local/bin/pulumi \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 10001 --create-home --home-dir /home/portal portal \
 && mkdir -p /data && chown portal:portal /data
USER portal
# Plugins live in the image, so deployments never download them at run time.
ENV PULUMI_HOME=/home/portal/.pulumi
RUN pulumi plugin install resource aws ${PULUMI_AWS_PLUGIN_VERSION}

WORKDIR /app
COPY --from=build --chown=portal:portal /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ConnectionStrings__Portal="Data Source=/data/portal.db" \
    Provisioning__Pulumi__Home=/home/portal/.pulumi \
    Provisioning__Pulumi__AwsPluginVersion=${PULUMI_AWS_PLUGIN_VERSION} \
    PULUMI_SKIP_UPDATE_CHECK=true
# The SQLite database, its Data Protection keys and (with the file backend) Pulumi's state; on PostgreSQL only engine work folders.
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["dotnet", "Portal.dll"]
