/* Placeholder: DLPack import/export. */
#include "buffers.h"
#include "bindings.h"

int ta_view_from_dlpack(PyObject *obj, const char *name, ta_view4 *view, PyObject **keepalive)
{
    (void)view;
    *keepalive = NULL;
    PyErr_Format(PyExc_TypeError, "%s: DLPack input is not supported yet (got %s)", name, Py_TYPE(obj)->tp_name);
    return -1;
}

PyMethodDef ta_buffer_methods[] = {
    {NULL, NULL, 0, NULL},
};

int ta_register_buffer_types(PyObject *module)
{
    (void)module;
    return 0;
}
