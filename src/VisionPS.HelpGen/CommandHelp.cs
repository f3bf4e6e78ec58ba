using System.Collections.Generic;

namespace VisionPS.HelpGen
{
    /// <summary>Everything MAML says about one cmdlet, gathered from PowerShell's metadata and the XML docs.</summary>
    public sealed class CommandHelp
    {
        public string Name { get; init; } = string.Empty;

        public string Verb { get; init; } = string.Empty;

        public string Noun { get; init; } = string.Empty;

        public string Synopsis { get; init; } = string.Empty;

        public IReadOnlyList<string> Description { get; init; } = new List<string>();

        /// <summary>Every parameter but the common ones, in source order (WhatIf and Confirm last).</summary>
        public IReadOnlyList<ParameterHelp> Parameters { get; init; } = new List<ParameterHelp>();

        /// <summary>One per parameter set, the default set first.</summary>
        public IReadOnlyList<SyntaxItem> Syntax { get; init; } = new List<SyntaxItem>();

        public IReadOnlyList<TypeHelp> Inputs { get; init; } = new List<TypeHelp>();

        public IReadOnlyList<TypeHelp> Outputs { get; init; } = new List<TypeHelp>();

        public IReadOnlyList<ExampleHelp> Examples { get; init; } = new List<ExampleHelp>();

        public IReadOnlyList<LinkHelp> Links { get; init; } = new List<LinkHelp>();
    }

    /// <summary>A parameter as one parameter set (or, merged over all sets, the parameter list) sees it.</summary>
    public sealed record ParameterHelp(
        string Name,
        IReadOnlyList<string> Description,
        string TypeName,
        string ShortTypeName,
        bool IsSwitch,
        bool Required,
        string Position,
        string PipelineInput,
        bool Globbing,
        IReadOnlyList<string> Aliases,
        IReadOnlyList<string> AcceptedValues,
        string DefaultValue);

    public sealed record SyntaxItem(string ParameterSetName, IReadOnlyList<ParameterHelp> Parameters);

    public sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

    public sealed record ExampleHelp(string Code, IReadOnlyList<string> Remarks);

    public sealed record LinkHelp(string Text, string Uri);
}
