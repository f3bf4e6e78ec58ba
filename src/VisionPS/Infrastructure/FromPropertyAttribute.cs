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
                    items.Add(taken);
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
                if (Text(wrapped, name) is string text)
                {
                    return literal ? Literal(text) : text;
                }
            }
            return input;
        }

        private string Literal(string path) => _escapeLiteral ? WildcardPattern.Escape(path) : path;

        private static string? Text(PSObject wrapped, string name)
        {
            object? value = wrapped.Properties[name]?.Value;
            if (value is PSObject inner)
            {
                value = inner.BaseObject;
            }
            return value is string text && text.Length > 0 ? text : null;
        }
    }
}
