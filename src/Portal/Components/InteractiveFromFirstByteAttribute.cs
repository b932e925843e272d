namespace Portal.Components;

/// <summary>
/// A page people type into as soon as it appears: it is not prerendered, so what it shows is interactive from the
/// first byte.
/// </summary>
/// <remarks>
/// A prerendered page is static HTML until its circuit starts; Blazor then renders it again and replaces the DOM, so
/// whatever was typed in that first half second is wiped (3 of 6 tries on the create form). The framework's guidance
/// for input that must not be lost is to disable prerendering where it matters; <see cref="App"/> reads this
/// attribute from the page's endpoint metadata, as the framework reads <c>[ExcludeFromInteractiveRouting]</c>.
/// Pages that are mostly read keep prerendering: they paint at once.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class InteractiveFromFirstByteAttribute : Attribute;
