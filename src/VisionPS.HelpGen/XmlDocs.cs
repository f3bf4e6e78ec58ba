using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace VisionPS.HelpGen
{
    /// <summary>
    /// The C# compiler's XML documentation file (VisionPS.xml): member elements by documentation id, and the
    /// rendering of their tags into the plain paragraphs MAML wants.
    /// </summary>
    public sealed class XmlDocs
    {
        private static readonly Regex s_whitespace = new Regex(@"\s+", RegexOptions.Compiled);
        private readonly Dictionary<string, XElement> _members;

        private XmlDocs(XDocument document)
        {
            _members = new Dictionary<string, XElement>(StringComparer.Ordinal);
            foreach (XElement member in document.Descendants("member"))
            {
                if (member.Attribute("name")?.Value is { Length: > 0 } name)
                {
                    _members[name] = member;
                }
            }
        }

        /// <summary>Turns a <c>cref</c> into the words a reader sees (a cmdlet's name for a cmdlet class).</summary>
        public Func<string, string?>? CrefText { get; set; }

        public static XmlDocs Load(string path) => new XmlDocs(XDocument.Load(path, LoadOptions.PreserveWhitespace));

        public static XmlDocs Parse(string xml) => new XmlDocs(XDocument.Parse(xml, LoadOptions.PreserveWhitespace));

        public static string TypeId(Type type) => "T:" + TypeName(type);

        public static string MemberId(MemberInfo member) =>
            (member is FieldInfo ? "F:" : "P:") + TypeName(member.DeclaringType!) + "." + member.Name;

        private static string TypeName(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

        /// <summary>The member's documentation element (<c>&lt;member name="..."&gt;</c>), if documented.</summary>
        public XElement? Member(string id) => _members.TryGetValue(id, out XElement? e) ? e : null;

        /// <summary>The paragraphs of one tag (summary, remarks) of a member; empty when absent or blank.</summary>
        public IReadOnlyList<string> Paragraphs(string id, string tag) => Paragraphs(Member(id)?.Element(tag));

        /// <summary>
        /// Paragraphs of a documentation element: each <c>&lt;para&gt;</c> and each list item is one, and so is
        /// loose text between them; inline tags become their words; whitespace is collapsed.
        /// </summary>
        public IReadOnlyList<string> Paragraphs(XElement? element, Func<XElement, bool>? skip = null)
        {
            var result = new List<string>();
            if (element == null)
            {
                return result;
            }
            var current = new StringBuilder();
            void Flush()
            {
                string text = s_whitespace.Replace(current.ToString(), " ").Trim();
                if (text.Length > 0)
                {
                    result.Add(text);
                }
                current.Clear();
            }
            foreach (XNode node in element.Nodes())
            {
                if (node is XElement child && skip != null && skip(child))
                {
                    continue;
                }
                switch (node)
                {
                    case XElement { Name.LocalName: "para" } para:
                        Flush();
                        result.AddRange(Paragraphs(para, skip));
                        break;
                    case XElement { Name.LocalName: "list" } list:
                        Flush();
                        foreach (XElement item in list.Elements("item"))
                        {
                            string text = s_whitespace.Replace(Inline(item), " ").Trim();
                            if (text.Length > 0)
                            {
                                result.Add("- " + text);
                            }
                        }
                        break;
                    case XElement { Name.LocalName: "code" } code:
                        Flush();
                        if (Code(code) is { Length: > 0 } block)
                        {
                            result.Add(block);
                        }
                        break;
                    default:
                        current.Append(Inline(node));
                        break;
                }
            }
            Flush();
            return result;
        }

        /// <summary>
        /// The text of a <c>&lt;code&gt;</c> element as written in the source: the documentation file indents every line
        /// after the first by its member's indentation (the whitespace before the tag), which is taken off again; then
        /// blank edges and any indentation common to all lines.
        /// </summary>
        public static string Code(XElement code)
        {
            string[] lines = code.Value.Replace("\r\n", "\n").Split('\n');
            int margin = IndentBefore(code);
            for (int i = 1; i < lines.Length; i++)
            {
                int strip = 0;
                while (strip < margin && strip < lines[i].Length && char.IsWhiteSpace(lines[i][strip]))
                {
                    strip++;
                }
                lines[i] = lines[i][strip..];
            }
            int first = Array.FindIndex(lines, l => l.Trim().Length > 0);
            int last = Array.FindLastIndex(lines, l => l.Trim().Length > 0);
            if (first < 0)
            {
                return string.Empty;
            }
            string[] kept = lines[first..(last + 1)];
            int indent = kept.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            return string.Join("\n", kept.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
        }

        private static int IndentBefore(XElement element)
        {
            for (XNode? node = element.PreviousNode; node != null; node = node.PreviousNode)
            {
                if (node is not XText text)
                {
                    return 0;
                }
                int newline = text.Value.LastIndexOf('\n');
                if (newline >= 0)
                {
                    string tail = text.Value[(newline + 1)..];
                    return tail.Trim().Length == 0 ? tail.Length : 0;
                }
            }
            return element.Parent != null ? IndentBefore(element.Parent) : 0;
        }

        private string Inline(XNode node)
        {
            switch (node)
            {
                case XText text:
                    return text.Value;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    if (see.Attribute("langword")?.Value is { } word)
                    {
                        return word;
                    }
                    if (see.Nodes().Any())
                    {
                        return string.Concat(see.Nodes().Select(Inline));
                    }
                    if (see.Attribute("href")?.Value is { } href)
                    {
                        return href;
                    }
                    return see.Attribute("cref")?.Value is { } cref ? CrefToText(cref) : string.Empty;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    return reference.Attribute("name")?.Value ?? string.Empty;
                case XElement element:
                    return string.Concat(element.Nodes().Select(Inline));
                default:
                    return string.Empty;
            }
        }

        private string CrefToText(string cref)
        {
            if (CrefText?.Invoke(cref) is { } custom)
            {
                return custom;
            }
            string name = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
            int paren = name.IndexOf('(');
            if (paren >= 0)
            {
                name = name[..paren];
            }
            return name[(name.LastIndexOf('.') + 1)..];
        }

        /// <summary>Reads the documentation file, naming the file in the error when it is missing or broken.</summary>
        public static XmlDocs LoadOrExplain(string path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"The XML documentation file '{path}' does not exist: GenerateDocumentationFile must be on for the cmdlet project.", path);
            }
            return Load(path);
        }
    }
}
