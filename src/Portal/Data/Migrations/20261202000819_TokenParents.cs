using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class TokenParents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ParentTokenId",
                table: "PersonalAccessTokens",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens",
                column: "ParentTokenId");

            migrationBuilder.AddForeignKey(
                name: "FK_PersonalAccessTokens_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens",
                column: "ParentTokenId",
                principalTable: "PersonalAccessTokens",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_PersonalAccessTokens_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens");

            migrationBuilder.DropIndex(
                name: "IX_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens");

            migrationBuilder.DropColumn(
                name: "ParentTokenId",
                table: "PersonalAccessTokens");
        }
    }
}
