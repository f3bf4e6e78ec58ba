using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;

namespace VisionPS.HelpGen
{
    /// <summary>
    /// Builds a cmdlet's help from what PowerShell itself knows about it (its <see cref="CmdletInfo"/>: parameter sets,
    /// types, mandatory, position, pipeline input, aliases, wildcards, output types) and from the XML docs of its class
    /// and parameter properties, and lists what the docs are missing.
    /// </summary>
    /// <remarks>
    /// The convention: the cmdlet class's summary is the synopsis, its remarks the description, each of its example
    /// elements (a code element and at least one para explaining it) an example, and each parameter property's
    /// summary that parameter's description. Missing pieces are problems that fail the build.
    /// </remarks>
    public sealed class HelpBuilder
    {
        public const int MinimumExamples = 2;

        private static readonly HashSet<string> s_commonParameters =
            new HashSet<string>(Cmdlet.CommonParameters.Concat(Cmdlet.OptionalCommonParameters), StringComparer.OrdinalIgnoreCase);

        // ShouldProcess parameters have no property in our sources; these are the words PowerShell's own help uses.
        private static readonly Dictionary<string, string> s_shouldProcessDescriptions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
            ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
        };

        private readonly XmlDocs _docs;
        private readonly Dictionary<string, string> _cmdletByTypeId;

        public HelpBuilder(XmlDocs docs, IEnumerable<CmdletInfo> cmdlets)
        {
            _docs = docs;
            _cmdletByTypeId = cmdlets.Where(c => c.ImplementingType != null)
                .GroupBy(c => XmlDocs.TypeId(c.ImplementingType))
                .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
            _docs.CrefText = cref => _cmdletByTypeId.TryGetValue(cref, out string? name) ? name : null;
        }

        /// <summary>The help of one cmdlet; what its docs lack is added to <paramref name="problems"/>.</summary>
        public CommandHelp Build(CmdletInfo cmdlet, ICollection<string> problems)
        {
            Type type = cmdlet.ImplementingType;
            string typeId = XmlDocs.TypeId(type);
            string where = $"{cmdlet.Name} ({type.FullName})";
            XElement? member = _docs.Member(typeId);

            IReadOnlyList<string> synopsisParagraphs = _docs.Paragraphs(member?.Element("summary"));
            string synopsis = string.Join(" ", synopsisParagraphs);
            if (synopsis.Length == 0)
            {
                problems.Add($"{where} has no synopsis: add a /// <summary> (one sentence: what the cmdlet does) to the class.");
            }
            IReadOnlyList<string> description = _docs.Paragraphs(member?.Element("remarks"));
            if (description.Count == 0)
            {
                problems.Add($"{where} has no description: add a /// <remarks> with <para> paragraphs to the class.");
            }

            List<ExampleHelp> examples = Examples(member, where, problems);
            object? defaults = CreateForDefaults(type);
            Dictionary<string, ParameterHelp> parameters = MergedParameters(cmdlet, defaults, where, problems);

            return new CommandHelp
            {
                Name = cmdlet.Name,
                Verb = cmdlet.Verb,
                Noun = cmdlet.Noun,
                Synopsis = synopsis,
                Description = description,
                Parameters = parameters.Values.ToList(),
                Syntax = Syntax(cmdlet, parameters),
                Inputs = Inputs(cmdlet, parameters),
                Outputs = Outputs(cmdlet),
                Examples = examples,
                Links = Links(cmdlet, member),
            };
        }

        private List<ExampleHelp> Examples(XElement? member, string where, ICollection<string> problems)
        {
            var examples = new List<ExampleHelp>();
            int number = 0;
            foreach (XElement example in member?.Elements("example") ?? Enumerable.Empty<XElement>())
            {
                number++;
                XElement? code = example.Element("code");
                string text = code == null ? string.Empty : XmlDocs.Code(code);
                IReadOnlyList<string> remarks = _docs.Paragraphs(example, e => e == code);
                if (text.Length == 0)
                {
                    problems.Add($"{where}: example {number} has no <code> (the PowerShell a user would type).");
                }
                if (remarks.Count == 0)
                {
                    problems.Add($"{where}: example {number} has no explanation: add a <para> after its <code> saying what it does.");
                }
                if (text.Length > 0 && remarks.Count > 0)
                {
                    examples.Add(new ExampleHelp(text, remarks));
                }
            }
            if (number < MinimumExamples)
            {
                problems.Add($"{where} has {number} example(s); at least {MinimumExamples} are needed: add /// <example><code>...</code><para>...</para></example> to the class.");
            }
            return examples;
        }

        private Dictionary<string, ParameterHelp> MergedParameters(CmdletInfo cmdlet, object? defaults, string where, ICollection<string> problems)
        {
            Type type = cmdlet.ImplementingType;
            var result = new Dictionary<string, ParameterHelp>(StringComparer.OrdinalIgnoreCase);
            // Source order: PowerShell's metadata dictionary is not ordered by declaration; the class is.
            IEnumerable<ParameterMetadata> ordered = cmdlet.Parameters.Values
                .Where(p => !s_commonParameters.Contains(p.Name) || s_shouldProcessDescriptions.ContainsKey(p.Name))
                .OrderBy(p => s_shouldProcessDescriptions.ContainsKey(p.Name) ? 1 : 0)
                .ThenBy(p => FindMember(type, p.Name)?.MetadataToken ?? int.MaxValue);
            foreach (ParameterMetadata parameter in ordered)
            {
                MemberInfo? memberInfo = FindMember(type, parameter.Name);
                IReadOnlyList<string> description;
                if (s_shouldProcessDescriptions.TryGetValue(parameter.Name, out string? standard) && memberInfo == null)
                {
                    description = new[] { standard };
                }
                else
                {
                    description = memberInfo == null
                        ? Array.Empty<string>()
                        : _docs.Paragraphs(_docs.Member(XmlDocs.MemberId(memberInfo))?.Element("summary"));
                    if (description.Count == 0)
                    {
                        string declaring = memberInfo?.DeclaringType?.FullName ?? type.FullName ?? type.Name;
                        problems.Add($"{where}: parameter -{parameter.Name} has no description: add a /// <summary> to the {parameter.Name} property of {declaring}.");
                    }
                }

                IEnumerable<ParameterSetMetadata> sets = parameter.ParameterSets.Values;
                bool required = sets.Any() && sets.All(s => s.IsMandatory);
                int[] positions = sets.Select(s => s.Position).Where(p => p >= 0).Distinct().ToArray();
                result[parameter.Name] = Describe(parameter, description, required,
                    positions.Length == 1 ? positions[0].ToString(CultureInfo.InvariantCulture) : "named",
                    sets.Any(s => s.ValueFromPipeline), sets.Any(s => s.ValueFromPipelineByPropertyName),
                    DefaultValue(defaults, memberInfo));
            }
            return result;
        }

        private static ParameterHelp Describe(ParameterMetadata parameter, IReadOnlyList<string> description, bool required,
            string position, bool byValue, bool byPropertyName, string defaultValue)
        {
            Type parameterType = parameter.ParameterType;
            Type valueType = Nullable.GetUnderlyingType(parameterType) ?? parameterType;
            var accepted = new List<string>();
            if (parameter.Attributes.OfType<ValidateSetAttribute>().FirstOrDefault() is { } set)
            {
                accepted.AddRange(set.ValidValues);
            }
            else if (valueType.IsEnum && !valueType.IsDefined(typeof(FlagsAttribute), false))
            {
                accepted.AddRange(Enum.GetNames(valueType));
            }
            string pipeline = (byValue, byPropertyName) switch
            {
                (true, true) => "True (ByValue, ByPropertyName)",
                (true, false) => "True (ByValue)",
                (false, true) => "True (ByPropertyName)",
                _ => "False",
            };
            return new ParameterHelp(
                parameter.Name,
                description,
                TypeName(parameterType),
                ShortTypeName(parameterType),
                parameter.SwitchParameter,
                required,
                position,
                pipeline,
                parameter.Attributes.OfType<SupportsWildcardsAttribute>().Any(),
                parameter.Aliases.ToList(),
                accepted,
                defaultValue);
        }

        private static List<SyntaxItem> Syntax(CmdletInfo cmdlet, Dictionary<string, ParameterHelp> merged)
        {
            var items = new List<SyntaxItem>();
            foreach (CommandParameterSetInfo set in cmdlet.ParameterSets.OrderBy(s => s.IsDefault ? 0 : 1))
            {
                var parameters = new List<ParameterHelp>();
                IEnumerable<CommandParameterInfo> inSet = set.Parameters
                    .Where(p => merged.ContainsKey(p.Name))
                    .Select((p, index) => (p, index))
                    .OrderBy(t => t.p.Position >= 0 ? t.p.Position : int.MaxValue)
                    .ThenBy(t => t.index)
                    .Select(t => t.p);
                foreach (CommandParameterInfo p in inSet)
                {
                    // The same parameter can be mandatory, positional or piped in one set and not in another.
                    parameters.Add(merged[p.Name] with
                    {
                        Required = p.IsMandatory,
                        Position = p.Position >= 0 ? p.Position.ToString(CultureInfo.InvariantCulture) : "named",
                    });
                }
                items.Add(new SyntaxItem(set.Name, parameters));
            }
            return items;
        }

        private List<TypeHelp> Inputs(CmdletInfo cmdlet, Dictionary<string, ParameterHelp> merged)
        {
            var inputs = new List<TypeHelp>();
            // A parameter bound by value takes one pipeline object at a time: an array parameter takes its elements.
            foreach (IGrouping<Type, ParameterMetadata> byType in cmdlet.Parameters.Values
                         .Where(p => merged.ContainsKey(p.Name) && p.ParameterSets.Values.Any(s => s.ValueFromPipeline))
                         .GroupBy(p => p.ParameterType.IsArray ? p.ParameterType.GetElementType()! : p.ParameterType))
            {
                string names = string.Join(", ", byType.Select(p => "-" + p.Name));
                inputs.Add(new TypeHelp(TypeName(byType.Key), new[] { $"You can pipe a {ShortTypeName(byType.Key)} to {names}." }));
            }
            foreach (ParameterMetadata p in cmdlet.Parameters.Values
                         .Where(p => merged.ContainsKey(p.Name) && p.ParameterSets.Values.Any(s => s.ValueFromPipelineByPropertyName)))
            {
                string[] names = new[] { p.Name }.Concat(p.Aliases).ToArray();
                string properties = names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
                string text = $"Any object with a {properties} property binds to -{p.Name} by property name" +
                    (p.Aliases.Contains("PSPath", StringComparer.OrdinalIgnoreCase) ? ": pipe Get-ChildItem or Get-Item output." : ".");
                inputs.Add(new TypeHelp("System.Management.Automation.PSObject", new[] { text }));
            }
            if (inputs.Count == 0)
            {
                inputs.Add(new TypeHelp("None", new[] { "You can't pipe objects to this cmdlet." }));
            }
            return inputs;
        }

        private List<TypeHelp> Outputs(CmdletInfo cmdlet)
        {
            var outputs = new List<TypeHelp>();
            foreach (PSTypeName output in cmdlet.OutputType)
            {
                string name = output.Type != null ? TypeName(output.Type) : output.Name;
                IReadOnlyList<string> description = output.Type != null
                    ? _docs.Paragraphs(XmlDocs.TypeId(output.Type), "summary")
                    : Array.Empty<string>();
                outputs.Add(new TypeHelp(name, description));
            }
            return outputs;
        }

        private List<LinkHelp> Links(CmdletInfo cmdlet, XElement? member)
        {
            var links = new List<LinkHelp>();
            // The cmdlet's HelpUri first, as platyPS writes it: Get-Help -Online opens the first related link's URI.
            string? helpUri = cmdlet.ImplementingType.GetCustomAttribute<CmdletAttribute>()?.HelpUri;
            if (!string.IsNullOrEmpty(helpUri))
            {
                links.Add(new LinkHelp("Online Version:", helpUri!));
            }
            foreach (XElement seeAlso in member?.Elements("seealso") ?? Enumerable.Empty<XElement>())
            {
                string uri = seeAlso.Attribute("href")?.Value ?? string.Empty;
                string text = string.Join(" ", _docs.Paragraphs(new XElement("x", seeAlso)));
                links.Add(new LinkHelp(text.Length > 0 ? text : uri, uri));
            }
            return links;
        }

        private static MemberInfo? FindMember(Type type, string name)
        {
            // The most derived declaration wins (a property hidden with 'new' is documented where it is redeclared).
            for (Type? t = type; t != null; t = t.BaseType)
            {
                const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;
                MemberInfo? found = (MemberInfo?)t.GetProperty(name, flags) ?? t.GetField(name, flags);
                if (found != null)
                {
                    return found;
                }
            }
            return null;
        }

        // A cmdlet's defaults are its property initializers: PowerShell's metadata does not carry them.
        private static object? CreateForDefaults(Type type)
        {
            try
            {
                return Activator.CreateInstance(type);
            }
            catch (Exception ex) when (ex is MissingMethodException || ex is TargetInvocationException || ex is MemberAccessException)
            {
                return null;
            }
        }

        private static string DefaultValue(object? instance, MemberInfo? member)
        {
            object? value;
            try
            {
                value = (instance, member) switch
                {
                    (null, _) or (_, null) => null,
                    (_, PropertyInfo { CanRead: true } p) => p.GetValue(instance),
                    (_, FieldInfo f) => f.GetValue(instance),
                    _ => null,
                };
            }
            catch (TargetInvocationException)
            {
                value = null;
            }
            return value switch
            {
                null => "None",
                string s => s.Length == 0 ? "None" : s,
                SwitchParameter sw => sw.IsPresent ? "True" : "False",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                IEnumerable e => e.Cast<object?>().Any() ? string.Join(", ", e.Cast<object?>()) : "None",
                _ => value.ToString() ?? "None",
            };
        }

        private static string TypeName(Type type) => type.FullName ?? type.Name;

        // What users read: String[], Int32, SwitchParameter, Nullable[ImageDetail] (PowerShell's own help shows short names).
        private static string ShortTypeName(Type type)
        {
            if (!type.IsGenericType)
            {
                return type.Name;
            }
            string name = type.Name[..type.Name.IndexOf('`')];
            return name + "[" + string.Join(",", type.GetGenericArguments().Select(ShortTypeName)) + "]";
        }
    }
}
