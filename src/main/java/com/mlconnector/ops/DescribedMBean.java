package com.mlconnector.ops;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import java.util.Map;

/**
 * An MXBean whose attributes and operations carry descriptions (Hawtio shows them beside each operation and attribute;
 * a plain MXBean registration describes nothing).
 */
final class DescribedMBean<T> extends StandardMBean {
    private final String description;
    private final Map<String, String> members;

    DescribedMBean(T impl, Class<T> type, String description, Map<String, String> members) throws NotCompliantMBeanException {
        super(impl, type, true);
        this.description = description;
        this.members = members;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return description;
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return members.getOrDefault(info.getName(), info.getName());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return members.getOrDefault(info.getName(), info.getName());
    }
}
