namespace Portal.Api;

/// <summary><c>Gone</c>: the target exists but may no longer be acted on, e.g. a preview past its lifetime.</summary>
public enum CommandStatus { Ok, Invalid, Conflict, NotFound, Forbidden, Gone }

/// <summary>
/// The outcome of a command shared by the pages and the API. Failures carry what a person
/// needs to act: field errors, or the operation that holds the cluster.
/// </summary>
public sealed record CommandResult<T>(
    CommandStatus Status,
    T? Value = default,
    string? Message = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    Guid? BlockingOperationId = null)
{
    public static CommandResult<T> Ok(T value) => new(CommandStatus.Ok, value);
    public static CommandResult<T> Invalid(IReadOnlyDictionary<string, string[]> errors) => new(CommandStatus.Invalid, Message: "The request is not valid.", Errors: errors);
    public static CommandResult<T> Conflict(string message, IReadOnlyDictionary<string, string[]>? errors = null, Guid? blocking = null) =>
        new(CommandStatus.Conflict, Message: message, Errors: errors, BlockingOperationId: blocking);
    public static CommandResult<T> NotFound(string message) => new(CommandStatus.NotFound, Message: message);

    /// <summary>The caller may see the target but not do this to it (e.g. a member where an owner is needed).</summary>
    public static CommandResult<T> Forbidden(string message) => new(CommandStatus.Forbidden, Message: message);

    public static CommandResult<T> Gone(string message) => new(CommandStatus.Gone, Message: message);
}
