#!/usr/bin/env bash
# Brings both migrations sets up to date with the model: adds a migration named NAME to the SQLite set
# (Data/Migrations, PortalDbContext) and to the PostgreSQL set (Data/Migrations/PostgreSQL,
# PostgreSqlPortalDbContext), each only when its model snapshot differs from the model.
#
#   scripts/add-migration.sh NAME
#
# After merging branches that each added a SQLite migration only, the SQLite set is up to date and the
# PostgreSQL set is not: the same command adds the one PostgreSQL migration that catches up.
# Generating a migration compares models; it needs no database server.
set -euo pipefail

name=${1:?usage: scripts/add-migration.sh NAME}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet build src/Portal -v quiet -nologo >/dev/null

add() {
    local context=$1 folder=$2
    if dotnet ef migrations has-pending-model-changes --no-build --project src/Portal --context "$context" >/dev/null 2>&1; then
        echo "$context: no model changes, no migration added"
    else
        dotnet ef migrations add "$name" --no-build --project src/Portal --context "$context" --output-dir "$folder"
    fi
}

# The second add builds again: the first one's files are part of the project now.
add Portal.Data.PortalDbContext Data/Migrations
dotnet build src/Portal -v quiet -nologo >/dev/null
add Portal.Data.PostgreSqlPortalDbContext Data/Migrations/PostgreSQL
