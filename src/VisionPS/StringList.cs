using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace VisionPS
{
    /// <summary>
    /// A read-only list of strings (image paths, hashes, file ids) that reads as its items joined by "; ": so
    /// Export-Csv, string expansion and Format-Table keep every item instead of writing "System.String[]".
    /// ConvertTo-Json still writes it as an array.
    /// </summary>
    public sealed class StringList : ReadOnlyCollection<string>
    {
        /// <summary>What separates the items when the list is read as one string.</summary>
        public const string Separator = "; ";

        internal StringList(IEnumerable<string> items)
            : base(items.ToList())
        {
        }

        /// <summary>The items joined by "; ".</summary>
        public override string ToString() => string.Join(Separator, this);
    }
}
