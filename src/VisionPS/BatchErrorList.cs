using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using VisionPS.Core.Batching;

namespace VisionPS
{
    /// <summary>
    /// Why a batch failed validation: each problem with its input line. Reads as the problems joined by "; " (like
    /// <see cref="StringList"/>), so Export-Csv keeps them instead of writing a .NET type name; ConvertTo-Json still
    /// writes each problem as an object.
    /// </summary>
    public sealed class BatchErrorList : ReadOnlyCollection<BatchError>
    {
        internal BatchErrorList(IEnumerable<BatchError> errors)
            : base(errors.ToList())
        {
        }

        /// <summary>The problems joined by "; ", each as "line N: message".</summary>
        public override string ToString() => string.Join(StringList.Separator, this);
    }
}
