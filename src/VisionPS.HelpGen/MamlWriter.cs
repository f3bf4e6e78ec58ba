using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace VisionPS.HelpGen
{
    /// <summary>
    /// Writes cmdlet help as MAML, the external help format Get-Help reads on Windows PowerShell 5.1 and PowerShell 7
    /// (the same elements platyPS and PowerShell's own help files use).
    /// </summary>
    public static class MamlWriter
    {
        private static readonly XNamespace s_msh = "http://msh";
        private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        public static XDocument ToMaml(IEnumerable<CommandHelp> commands) =>
            new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(s_msh + "helpItems",
                    new XAttribute("schema", "maml"),
                    new XAttribute(XNamespace.Xmlns + "maml", s_maml),
                    new XAttribute(XNamespace.Xmlns + "command", s_command),
                    new XAttribute(XNamespace.Xmlns + "dev", s_dev),
                    commands.Select(Command)));

        /// <summary>Writes the file through a temporary one, so a reader never sees half of it.</summary>
        public static void Save(XDocument maml, string path)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(directory);
            string temporary = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
            var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
            using (XmlWriter writer = XmlWriter.Create(temporary, settings))
            {
                maml.Save(writer);
            }
            File.Move(temporary, path, overwrite: true);
        }

        private static XElement Command(CommandHelp help) =>
            new XElement(s_command + "command",
                new XElement(s_command + "details",
                    new XElement(s_command + "name", help.Name),
                    Description(new[] { help.Synopsis }),
                    new XElement(s_command + "verb", help.Verb),
                    new XElement(s_command + "noun", help.Noun)),
                Description(help.Description),
                new XElement(s_command + "syntax",
                    help.Syntax.Select(item =>
                        new XElement(s_command + "syntaxItem",
                            new XElement(s_maml + "name", help.Name),
                            item.Parameters.Select(p => Parameter(p, inSyntax: true))))),
                new XElement(s_command + "parameters", help.Parameters.Select(p => Parameter(p, inSyntax: false))),
                new XElement(s_command + "inputTypes",
                    help.Inputs.Select(t => new XElement(s_command + "inputType", Type(t.TypeName), Description(t.Description)))),
                new XElement(s_command + "returnValues",
                    help.Outputs.Select(t => new XElement(s_command + "returnValue", Type(t.TypeName), Description(t.Description)))),
                new XElement(s_command + "examples",
                    help.Examples.Select((e, i) =>
                        new XElement(s_command + "example",
                            new XElement(s_maml + "title", string.Format(CultureInfo.InvariantCulture,
                                "-------------------------- Example {0} --------------------------", i + 1)),
                            new XElement(s_dev + "code", e.Code),
                            // The empty para ends the example with a blank line, as in PowerShell's own help.
                            new XElement(s_dev + "remarks", e.Remarks.Append(string.Empty).Select(Para))))),
                help.Links.Count == 0 ? null : new XElement(s_command + "relatedLinks",
                    help.Links.Select(l =>
                        new XElement(s_maml + "navigationLink",
                            new XElement(s_maml + "linkText", l.Text),
                            new XElement(s_maml + "uri", l.Uri)))));

        private static XElement Parameter(ParameterHelp p, bool inSyntax)
        {
            var element = new XElement(s_command + "parameter",
                new XAttribute("required", Bool(p.Required)),
                new XAttribute("variableLength", Bool(p.TypeName.EndsWith("[]"))),
                new XAttribute("globbing", Bool(p.Globbing)),
                new XAttribute("pipelineInput", p.PipelineInput),
                new XAttribute("position", p.Position),
                new XAttribute("aliases", p.Aliases.Count > 0 ? string.Join(", ", p.Aliases) : "none"),
                new XElement(s_maml + "name", p.Name),
                Description(p.Description));
            if (p.AcceptedValues.Count > 0)
            {
                element.Add(new XElement(s_command + "parameterValueGroup",
                    p.AcceptedValues.Select(v => new XElement(s_command + "parameterValue",
                        new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
            }
            // A switch takes no value: its syntax shows just [-Name].
            if (!p.IsSwitch || !inSyntax)
            {
                element.Add(new XElement(s_command + "parameterValue",
                    new XAttribute("required", Bool(!p.IsSwitch)),
                    new XAttribute("variableLength", Bool(p.TypeName.EndsWith("[]"))),
                    p.ShortTypeName));
            }
            element.Add(Type(p.TypeName), new XElement(s_dev + "defaultValue", p.DefaultValue));
            return element;
        }

        private static XElement Type(string name) =>
            new XElement(s_dev + "type", new XElement(s_maml + "name", name), new XElement(s_maml + "uri"));

        private static XElement Description(IEnumerable<string> paragraphs) =>
            new XElement(s_maml + "description", paragraphs.Select(Para));

        private static XElement Para(string text) => new XElement(s_maml + "para", text);

        private static string Bool(bool value) => value ? "true" : "false";
    }
}
