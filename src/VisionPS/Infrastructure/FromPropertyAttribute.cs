using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Lets a string parameter take an output object given by position: <c>Wait-VisionBatch $batch</c>,
    /// <c>Remove-VisionFile $file</c>, <c>Send-VisionChat ... -ConversationId $msg</c>, <c>ConvertTo-VisionImage $info</c>.
    /// PowerShell would turn such an object into its ToString text ("batch_abc validating 0/0") and fail on it; this
    /// takes the named property instead, as piping the object binds it by property name. Strings, numbers and file
    /// items (which PowerShell already turns into their full name) are left alone, and so is an object without the
    /// property, so PowerShell's own conversion and errors stay as they were.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class FromPropertyAttribute : ArgumentTransformationAttribute
    {
        private readonly string[] _names;
        private readonly bool _escapeLiteral;

        /// <summary>Takes the first of <paramref name="names"/> an object has with a non-empty string value.</summary>
        public FromPropertyAttribute(params string[] names)
        {
            _names = names;
        }

        /// <summary>
        /// For a -Path that expands wildcards: the image path properties (ImageInputs.PathProperties) are taken, and
        /// a literal one (PSPath, LiteralPath, FullName, or the Path of VisionPS's own objects) is escaped so its
        /// brackets are not read as wildcards.
        /// </summary>
        public FromPropertyAttribute(bool wildcardPath)
        {
            _names = Array.Empty<string>();
            _escapeLiteral = wildcardPath;
        }

        /// <summary>
        /// When set, an object that has none of the properties (with a value) is refused with this message, in which
        /// {0} is the object's type name, instead of becoming its ToString text. Only for a parameter whose name and
        /// aliases are exactly those properties: piping such an object could bind nothing else but that text either.
        /// </summary>
        public string? Refuse { get; set; }

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is IList list && value is not string)
            {
                var items = new List<object?>(list.Count);
                bool changed = false;
                foreach (object? item in list)
                {
                    object? taken = item is null ? null : One(item);
                    changed |= !ReferenceEquals(taken, item);
                    if (taken is string[] many)
                    {
                        items.AddRange(many); // Remove-VisionFile $m1, $m2: the file ids of each, in one list
                    }
                    else
                    {
                        items.Add(taken);
                    }
                }
                return changed ? items.ToArray() : inputData;
            }
            return One(inputData);
        }

        private object One(object input)
        {
            object value = input is PSObject pso ? pso.BaseObject : input;
            if (value is string || value is FileSystemInfo || value is IFormattable || value is IEnumerable)
            {
                return input;
            }
            PSObject wrapped = PSObject.AsPSObject(input);
            if (_names.Length > 0)
            {
                foreach (string name in _names)
                {
                    if (Text(wrapped, name) is string text)
                    {
                        return text;
                    }
                    if (Texts(wrapped, name) is string[] texts)
                    {
                        return texts; // a list property: Remove-VisionFile $m takes the message's FileIds
                    }
                }
                if (Refuse != null)
                {
                    throw new ArgumentTransformationMetadataException(string.Format(System.Globalization.CultureInfo.InvariantCulture, Refuse, value.GetType().Name));
                }
                return input;
            }
            if (value is VisionImageInfo info)
            {
                return Literal(info.Path);
            }
            if (value is VisionImage image)
            {
                return image.Path is string path ? Literal(path) : input;
            }
            foreach ((string name, bool literal) in ImageInputs.PathProperties)
            {
                if (Text(wrapped, name, out bool named) is string text)
                {
                    return literal || named ? Literal(text) : text;
                }
            }
            if (value is Uri)
            {
                return input; // its text is the URL, which the path resolver explains (what takes a URL)
            }
            if (HasNamingProperty(wrapped))
            {
                return input; // a [uri] Uri or Url (or a path held in a type of its own): PowerShell binds it by property name
            }
            // An object whose text names nothing (a PSCustomObject printing "@{Name=x}", a type printing its own name,
            // VisionPS's ChatResult or AssistantMessage): PowerShell would bind that text as a path and fail with
            // "Cannot find drive" on it. The text is bound as before, but remembered as this object's, so the path
            // resolver refuses it as InvalidImageInput (as Send-VisionChat -Image does) instead. An object whose
            // ToString is its own (a StringBuilder, a class or a ScriptMethod returning a path) is left to PowerShell.
            string shown = wrapped.ToString() ?? string.Empty; // as PowerShell shows it: "@{Name=x}" for a PSCustomObject
            if (shown.Length == 0 || !NamesNothing(value, shown))
            {
                return input; // an empty text is refused by the parameter's validation
            }
            string stand = new string(shown.ToCharArray()); // a string of its own: never an interned or shared instance
            s_notPaths.Add(stand, wrapped); // wrapped: a PSCustomObject's properties live on its PSObject
            return stand;
        }

        // Texts this attribute bound in place of an object that names no file, by identity (not by value: a real path
        // with the same text is read as a path), each mapped to its object.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, object> s_notPaths =
            new System.Runtime.CompilerServices.ConditionalWeakTable<string, object>();

        /// <summary>The object a -Path or -LiteralPath value stands for when it was bound in place of an object that names no file; otherwise null.</summary>
        internal static object? NotAPath(string path) => s_notPaths.TryGetValue(path, out object? value) ? value : null;

        private string Literal(string path) => _escapeLiteral ? WildcardPattern.Escape(path) : path;

        /// <summary>The non-empty strings of a list property (AssistantMessage.FileIds), or null when it has none.</summary>
        private static string[]? Texts(PSObject wrapped, string name)
        {
            object? value = wrapped.Properties[name]?.Value;
            if (value is PSObject inner)
            {
                value = inner.BaseObject;
            }
            if (value is not IEnumerable items || value is string)
            {
                return null;
            }
            var texts = new List<string>();
            foreach (object? item in items)
            {
                if ((item is PSObject p ? p.BaseObject : item) is string text && text.Length > 0)
                {
                    texts.Add(text);
                }
            }
            return texts.Count > 0 ? texts.ToArray() : null;
        }

        private static string? Text(PSObject wrapped, string name) => Text(wrapped, name, out _);

        /// <summary>
        /// The non-empty text of a property, or null. A PathInfo (Resolve-Path) or a file item is taken as the path it
        /// resolved to, and <paramref name="resolved"/> says so: it is a real path, to be read literally.
        /// </summary>
        private static string? Text(PSObject wrapped, string name, out bool resolved)
        {
            resolved = false;
            object? value = wrapped.Properties[name]?.Value;
            if (value is PSObject inner)
            {
                value = inner.BaseObject;
            }
            switch (value)
            {
                case string text when text.Length > 0:
                    return text;
                case PathInfo pathInfo when !string.IsNullOrEmpty(pathInfo.ProviderPath):
                    resolved = true;
                    return pathInfo.ProviderPath;
                case FileSystemInfo item when item.FullName.Length > 0:
                    resolved = true;
                    return item.FullName;
                default:
                    return null;
            }
        }

        // Properties PowerShell binds by name to an image cmdlet's -Path, -LiteralPath or -Uri (and their aliases).
        private static readonly string[] s_namingProperties = { "Path", "FullName", "PSPath", "LiteralPath", "LP", "Uri", "Url" };

        /// <summary>
        /// Whether the object has a property PowerShell binds by name after it is converted (a [uri] to -Uri, a path
        /// held in a value that is not a string): the object is left to that binding. A string Url would be bound to
        /// -Path first by PowerShell's own order (coercing the piped object to text), so is not counted.
        /// </summary>
        private static bool HasNamingProperty(PSObject wrapped)
        {
            foreach (string name in s_namingProperties)
            {
                object? value = wrapped.Properties[name]?.Value;
                if (value is PSObject inner)
                {
                    value = inner.BaseObject;
                }
                if (value is not null && value is not string)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// Whether an object's text names nothing, so cannot be a path: a PSCustomObject's "@{...}" (no ToString of its
        /// own), the type name a ToString inherited from System.Object prints, or one of VisionPS's own result objects
        /// (their text is an answer or a summary, never a file).
        /// </summary>
        private static bool NamesNothing(object value, string shown)
        {
            if (value is PSCustomObject)
            {
                return shown.StartsWith("@{", StringComparison.Ordinal);
            }
            Type type = value.GetType();
            if (type.Assembly == typeof(FromPropertyAttribute).Assembly)
            {
                return true;
            }
            return shown == type.FullName || shown == type.ToString();
        }
    }
}
